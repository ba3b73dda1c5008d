"""Redis as a cache that fails open. When Redis is down or slow, requests are served from the
database, one warning is logged per outage (not per request), Redis is left alone for a moment,
and caching resumes by itself when it answers again."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from redis.exceptions import RedisError

from ...db.changes import Change
from ...jobs.periodic import cancelled
from ...settings import Settings
from .clients import RedisClient, connect
from .local import LocalTier

logger = logging.getLogger(__name__)

LookupObserver = Callable[[str], None]

TOMBSTONE = b""
"""What a write leaves in a key for `TOMBSTONE_MS`. It reads as a miss, and a fill started before
the write cannot replace it (fills only set absent keys): that read's stale answer is not cached."""
TOMBSTONE_MS = 2000
FAILURES = (RedisError, OSError, TimeoutError)


async def subscribe(
    redis: RedisClient,
    channel: str,
    *,
    heard: Callable[[bytes], None],
    subscribed: Callable[[], None],
    lost: Callable[[Exception | None], None],
    retry_after: float,
) -> None:
    """Keep `channel` subscribed until cancelled: `subscribed()` each time it is (again),
    `heard(data)` for each message, `lost(error)` each time the subscription ends (Redis down:
    `retry_after` seconds later it is tried again)."""
    while True:
        pubsub = redis.pubsub()
        error: Exception | None = None
        try:
            await pubsub.subscribe(channel)
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    subscribed()
                elif message["type"] == "message":
                    heard(message["data"])
        except FAILURES as failure:
            error = failure
        finally:
            lost(error)
            with contextlib.suppress(*FAILURES):
                await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]  # redis-py < 8.2
        await asyncio.sleep(retry_after)


class Cache:
    """Redis through redis-py, with a small in-process tier that Redis invalidates (see
    `local`); keys carry a per-service prefix. It is the runtime's response store (see
    `cache.policy`). `start()` subscribes to the invalidations, `close()` lets go of both."""

    def __init__(
        self,
        redis: RedisClient,
        *,
        prefix: str,
        ttl_seconds: float,
        retry_after_seconds: float,
        timeout_seconds: float,
        local: LocalTier,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._channel = f"{prefix}invalidations"
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self._retry_after = retry_after_seconds
        self._timeout = timeout_seconds
        self._local = local
        self._skip_until = 0.0
        self._in_outage = False
        self._lookup_observers: list[LookupObserver] = []
        self._listener: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Cache":
        return cls(
            connect(settings),
            prefix=settings.cache_key_prefix,
            ttl_seconds=settings.cache_ttl_seconds,
            retry_after_seconds=settings.cache_retry_after_seconds,
            timeout_seconds=settings.redis_timeout_seconds,
            local=LocalTier(
                entries=settings.cache_local_entries,
                ttl_seconds=settings.cache_ttl_seconds,
            ),
        )

    async def start(self) -> None:
        if self._listener is None and self._local.capacity > 0:
            self._listener = asyncio.create_task(self._listen(), name="cache-invalidations")

    async def get(self, key: str) -> bytes | None:
        """The cached bytes, or `None` on a miss (a tombstone is a miss)."""
        local = self._local.get(key)
        if local is not None:
            return local
        generation = self._local.generation
        cached: bytes | None = await self._fail_open(lambda r: r.get(self._prefix + key), None)
        if cached:
            self._local.keep(key, cached, seen_generation=generation)
        return cached or None

    async def fill(self, key: str, value: bytes) -> None:
        """Store `value` unless the key holds anything, a recent write's tombstone included."""
        generation = self._local.generation
        stored = await self._fail_open(
            lambda r: r.set(self._prefix + key, value, px=self._ttl_ms, nx=True), None
        )
        if stored:
            self._local.keep(key, value, seen_generation=generation)

    async def delete(self, key: str) -> None:
        """Invalidate after a write, here and in every other process; call it once the write is
        committed."""
        self._local.invalidate(key)
        await self._fail_open(lambda r: r.set(self._prefix + key, TOMBSTONE, px=TOMBSTONE_MS), None)
        await self._fail_open(lambda r: r.publish(self._channel, key), None)

    async def invalidate(self, changes: Sequence[Change]) -> None:
        """After a commit: the entry (`items:42`) of every row changed or deleted goes. A new row
        has none: only successful reads are cached, and ids are never reused."""
        stale = dict.fromkeys(change.name for change in changes if change.kind != "created")
        for name in stale:
            await self.delete(name)

    @property
    def local_tier_active(self) -> bool:
        """Whether the in-process tier is in use: on, and subscribed to the invalidations."""
        return self._local.enabled

    def on_lookup(self, observer: LookupObserver) -> None:
        self._lookup_observers.append(observer)

    def record_lookup(self, result: str) -> None:
        for observer in self._lookup_observers:
            observer(result)

    async def ping(self) -> None:
        """For readiness: asks Redis even during an outage, and raises when it does not answer."""
        async with asyncio.timeout(self._timeout):
            await self._redis.ping()
        self._recovered()

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            await cancelled(listener)
        await self._redis.aclose()

    async def _listen(self) -> None:
        """Keep the invalidation channel subscribed; while it is down, the local tier is off."""

        def subscribed() -> None:
            self._local.forget_everything()  # what was missed while unsubscribed
            self._local.listening = True

        def lost(_: Exception | None) -> None:
            self._local.listening = False
            self._local.forget_everything()

        await subscribe(
            self._redis,
            self._channel,
            heard=lambda data: self._local.invalidate(data.decode()),
            subscribed=subscribed,
            lost=lost,
            retry_after=self._retry_after or 0.1,
        )

    async def _fail_open(
        self, command: Callable[[RedisClient], Awaitable[Any]], fallback: Any
    ) -> Any:
        if time.monotonic() < self._skip_until:
            return fallback
        try:
            async with asyncio.timeout(self._timeout):
                result = await command(self._redis)
        except FAILURES as error:
            self._skip_until = time.monotonic() + self._retry_after
            if not self._in_outage:
                self._in_outage = True
                logger.warning("Redis unavailable, serving from the database: %s", error)
            return fallback
        self._recovered()
        return result

    def _recovered(self) -> None:
        if self._in_outage:
            self._in_outage = False
            logger.warning("Redis is answering again; caching resumed")
