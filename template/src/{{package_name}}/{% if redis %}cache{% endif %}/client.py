"""Redis as a cache that fails open. When Redis is down or slow, requests are served from the
database, one warning is logged per outage (not per request), Redis is left alone for a moment,
and caching resumes by itself when it answers again."""

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..changes import Change
from ..settings import Settings
from .connection import RedisConnection, RedisError

logger = logging.getLogger(__name__)

LookupObserver = Callable[[str], None]

TOMBSTONE = b""
"""What a write leaves in a key for `TOMBSTONE_MS`. It reads as a miss, and a fill started before
the write cannot replace it (fills only set absent keys): that read's stale answer is not cached."""
TOMBSTONE_MS = 2000


class Cache:
    """One connection pool per process, created with the runtime; keys carry a per-service
    prefix. It is the runtime's response store (see `cache_policy`)."""

    def __init__(
        self,
        redis: RedisConnection,
        *,
        prefix: str,
        ttl_seconds: float,
        retry_after_seconds: float,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self._retry_after = retry_after_seconds
        self._skip_until = 0.0
        self._in_outage = False
        self._lookup_observers: list[LookupObserver] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> "Cache":
        return cls(
            # No retry: failing open beats waiting on the request path.
            RedisConnection(settings.redis_url, timeout=settings.redis_timeout_seconds),
            prefix=settings.cache_key_prefix,
            ttl_seconds=settings.cache_ttl_seconds,
            retry_after_seconds=settings.cache_retry_after_seconds,
        )

    async def get(self, key: str) -> bytes | None:
        """The cached bytes, or `None` on a miss (a tombstone is a miss)."""
        cached: bytes | None = await self._fail_open(("GET", self._prefix + key), None)
        return cached or None

    async def fill(self, key: str, value: bytes) -> None:
        """Store `value` unless the key holds anything, a recent write's tombstone included."""
        await self._fail_open(("SET", self._prefix + key, value, "PX", self._ttl_ms, "NX"), None)

    async def delete(self, key: str) -> None:
        """Invalidate after a write; call it once the write is committed."""
        await self._fail_open(("SET", self._prefix + key, TOMBSTONE, "PX", TOMBSTONE_MS), None)

    async def invalidate(self, changes: Sequence[Change]) -> None:
        """After a commit: the entry (`items:42`) of every row changed or deleted goes. A new row
        has none: only successful reads are cached, and ids are never reused."""
        stale = dict.fromkeys(change.name for change in changes if change.kind != "created")
        for name in stale:
            await self.delete(name)

    def on_lookup(self, observer: LookupObserver) -> None:
        self._lookup_observers.append(observer)

    def record_lookup(self, result: str) -> None:
        for observer in self._lookup_observers:
            observer(result)

    async def ping(self) -> None:
        """For readiness: asks Redis even during an outage, and raises when it does not answer."""
        await self._redis.execute("PING")
        self._recovered()

    async def close(self) -> None:
        await self._redis.close()

    async def _fail_open(self, command: tuple[bytes | str | int, ...], fallback: Any) -> Any:
        if time.monotonic() < self._skip_until:
            return fallback
        try:
            result = await self._redis.execute(*command)
        except (RedisError, OSError, TimeoutError) as error:
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
