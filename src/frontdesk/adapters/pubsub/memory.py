"""In-process fan-out: enough for one worker (the default)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from frontdesk.core.ports import LiveMessage


class LocalHub:
    """Queues of the connections open in this process, by conversation."""

    def __init__(self) -> None:
        self._queues: defaultdict[str, set[asyncio.Queue[LiveMessage]]] = defaultdict(set)

    def subscribe(self, conversation_id: str, queue: asyncio.Queue[LiveMessage]) -> None:
        self._queues[conversation_id].add(queue)

    def unsubscribe(self, conversation_id: str, queue: asyncio.Queue[LiveMessage]) -> None:
        queues = self._queues.get(conversation_id)
        if queues is None:
            return
        queues.discard(queue)
        if not queues:
            del self._queues[conversation_id]

    def deliver(self, conversation_id: str, message: LiveMessage) -> None:
        for queue in tuple(self._queues.get(conversation_id, ())):
            queue.put_nowait(message)

    @property
    def subscribed(self) -> int:
        return sum(len(q) for q in self._queues.values())


class MemoryBus(LocalHub):
    name = "in-process"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, conversation_id: str, message: LiveMessage) -> None:
        self.deliver(conversation_id, message)
