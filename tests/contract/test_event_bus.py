"""The EventBus contract: in-process, and Redis between separate bus instances (as
separate workers would hold them)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from frontdesk.adapters.pubsub.memory import MemoryBus
from frontdesk.adapters.pubsub.redis_bus import RedisBus
from frontdesk.core.ports import EventBus, LiveMessage
from frontdesk.errors import ConfigError
from tests.databases import redis_url

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _memory_pair() -> tuple[EventBus, EventBus]:
    bus = MemoryBus()
    return bus, bus


def _redis_pair() -> tuple[EventBus, EventBus]:
    url = redis_url()
    prefix = f"frontdesk-test:{uuid.uuid4().hex[:8]}:"  # runs side by side never meet
    return RedisBus(url, prefix=prefix), RedisBus(url, prefix=prefix)


@pytest.fixture(params=[_memory_pair, _redis_pair], ids=["memory", "redis"])
async def buses(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[EventBus, EventBus]]:
    make: Callable[[], tuple[EventBus, EventBus]] = request.param
    publisher, listener = make()
    await publisher.start()
    if listener is not publisher:
        await listener.start()
    yield publisher, listener
    await publisher.stop()
    if listener is not publisher:
        await listener.stop()


async def _next(queue: asyncio.Queue[LiveMessage]) -> LiveMessage:
    return await asyncio.wait_for(queue.get(), 5)


async def test_a_published_event_reaches_every_subscriber_of_its_conversation(
    buses: tuple[EventBus, EventBus],
) -> None:
    publisher, listener = buses
    first: asyncio.Queue[LiveMessage] = asyncio.Queue()
    second: asyncio.Queue[LiveMessage] = asyncio.Queue()
    elsewhere: asyncio.Queue[LiveMessage] = asyncio.Queue()
    listener.subscribe("conv-a", first)
    listener.subscribe("conv-a", second)
    listener.subscribe("conv-b", elsewhere)
    await publisher.publish("conv-a", {"type": "event", "event": {"seq": 1}})
    assert await _next(first) == {"type": "event", "event": {"seq": 1}}
    assert await _next(second) == {"type": "event", "event": {"seq": 1}}
    await publisher.publish("conv-b", {"type": "event", "event": {"seq": 7}})
    assert (await _next(elsewhere))["event"] == {"seq": 7}
    assert first.empty()


async def test_order_is_kept_and_unsubscribing_stops_delivery(
    buses: tuple[EventBus, EventBus],
) -> None:
    publisher, listener = buses
    queue: asyncio.Queue[LiveMessage] = asyncio.Queue()
    listener.subscribe("conv", queue)
    for seq in range(1, 21):
        await publisher.publish("conv", {"seq": seq})
    assert [(await _next(queue))["seq"] for _ in range(20)] == list(range(1, 21))
    listener.unsubscribe("conv", queue)
    await publisher.publish("conv", {"seq": 99})
    marker: asyncio.Queue[LiveMessage] = asyncio.Queue()
    listener.subscribe("other", marker)
    await publisher.publish("other", {"seq": 100})  # once this arrives, 99 would have too
    await _next(marker)
    assert queue.empty()


async def test_redis_that_is_not_there_is_a_clear_error() -> None:
    bus = RedisBus("redis://127.0.0.1:1/0")
    with pytest.raises(ConfigError, match="FRONTDESK_REDIS_URL"):
        await bus.start()
    await bus.stop()
