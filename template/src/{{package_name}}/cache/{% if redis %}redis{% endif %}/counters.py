"""Counters in Redis, shared by every worker and replica (a caller's requests, sign-in attempts
per account, are counted whichever process answers). When Redis is down or slow they count in
this process meanwhile: a limit that holds per process beats no limit."""

import contextlib
import math
import time
from dataclasses import dataclass

from redis.exceptions import RedisError

from ...settings import Settings
from ..counters import Count, LocalCounters
from .clients import connect

HIT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('PTTL', KEYS[1])}
"""
"""Events counted and the window's count and milliseconds left read back, in one step: no other
client's command runs in between (a Redis Cluster runs it on the key's node)."""
SYNC_SECONDS = 0.1
"""How long a process counts with slack before it tells the others what it counted."""
BATCHES_KEPT_AT_MOST = 100_000
TAKE_BACK = """
if redis.call('DECR', KEYS[1]) <= 0 then
    redis.call('DEL', KEYS[1])
end
"""


@dataclass(slots=True)
class _Batch:
    """A window as this process counts it with slack: what Redis said and what it has not been
    told yet."""

    ends: float
    shared: int = 0
    pending: int = 0
    told_at: float = -math.inf


class RedisCounters:
    def __init__(self, settings: Settings) -> None:
        self._redis = connect(settings)
        self._prefix = f"{settings.cache_key_prefix}counter:"
        self._hit = self._redis.register_script(HIT)
        self._take_back = self._redis.register_script(TAKE_BACK)
        self._meanwhile = LocalCounters()
        self._batches: dict[str, _Batch] = {}

    async def hit(self, key: str, window_seconds: int, *, slack: int = 1) -> Count:
        if slack <= 1:
            return await self._send(key, window_seconds, 1)
        now = time.monotonic()
        batch = self._batches.get(key)
        if batch is None or now >= batch.ends:
            if batch is None and len(self._batches) >= BATCHES_KEPT_AT_MOST:
                del self._batches[next(iter(self._batches))]
            batch = self._batches[key] = _Batch(ends=now + window_seconds)
        batch.pending += 1
        if batch.pending < slack and now - batch.told_at < SYNC_SECONDS:
            return Count(batch.shared + batch.pending, min(batch.ends - now, window_seconds))
        telling, batch.pending, batch.told_at = batch.pending, 0, now
        count = await self._send(key, window_seconds, telling)
        batch.shared, batch.ends = count.events, time.monotonic() + count.seconds_left
        return Count(count.events + batch.pending, count.seconds_left)

    async def _send(self, key: str, window_seconds: int, events: int) -> Count:
        try:
            counted, left_ms = await self._hit(
                keys=[self._prefix + key], args=[window_seconds * 1000, events]
            )
        except RedisError:
            return await self._meanwhile.hit(key, window_seconds)
        return Count(int(counted), max(int(left_ms), 0) / 1000)

    async def take_back(self, key: str) -> None:
        await self._meanwhile.take_back(key)
        with contextlib.suppress(RedisError):
            await self._take_back(keys=[self._prefix + key])

    async def clear(self, key: str) -> None:
        await self._meanwhile.clear(key)
        with contextlib.suppress(RedisError):
            await self._redis.delete(self._prefix + key)

    async def close(self) -> None:
        await self._redis.aclose()
