"""Fan-out across workers and hosts through Redis pub/sub.

Every worker listens on one pattern subscription and hands messages to the
connections it holds; publishing goes through Redis only, so a worker's own
connections see a message exactly once, in the same order as everybody else's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from frontdesk.adapters.pubsub.memory import LocalHub
from frontdesk.core.ports import LiveMessage
from frontdesk.errors import ConfigError

log = logging.getLogger("frontdesk.pubsub")

PREFIX = "frontdesk:conversation:"
TIMEOUT_S = 5.0
MAX_BACKOFF_S = 10.0


class RedisBus(LocalHub):
    name = "redis"

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        super().__init__()
        self.url = url
        self.prefix = prefix
        self._redis = aioredis.from_url(
            url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
        )
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            raise ConfigError(
                f"Redis at FRONTDESK_REDIS_URL is not answering ({exc}); start it or unset "
                "the setting to use in-process fan-out (one worker)."
            ) from exc
        self._listener = asyncio.create_task(self._listen(), name="frontdesk-redis-listener")
        try:
            await asyncio.wait_for(self._ready.wait(), TIMEOUT_S)
        except TimeoutError as exc:
            await self.stop()
            raise ConfigError(
                f"Redis at FRONTDESK_REDIS_URL answered but would not subscribe within "
                f"{TIMEOUT_S:.0f} s; check it, or unset the setting to use one worker."
            ) from exc

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def publish(self, conversation_id: str, message: LiveMessage) -> None:
        try:
            await self._redis.publish(self.prefix + conversation_id, json.dumps(message))
        except (RedisError, OSError) as exc:
            # The event is stored; open connections catch up when they reconnect.
            log.warning("could not publish to Redis: %s", exc)

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.prefix + "*")
                self._ready.set()
                backoff = 0.5
                async for raw in pubsub.listen():
                    self._dispatch(raw)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("Redis subscription lost (%s); retrying in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _dispatch(self, raw: dict[str, object]) -> None:
        if raw.get("type") != "pmessage":
            return
        channel = raw["channel"]
        data = raw["data"]
        if not isinstance(channel, bytes) or not isinstance(data, bytes):
            return
        conversation_id = channel.decode("utf-8")[len(self.prefix) :]
        try:
            message = json.loads(data)
        except ValueError:
            log.warning("ignored a malformed message on %s", channel)
            return
        self.deliver(conversation_id, message)
