"""Counters in Redis, shared by every worker and replica (a caller's requests, sign-in attempts
per account, are counted whichever process answers). When Redis is down or slow they count in
this process meanwhile: a limit that holds per process beats no limit."""

import contextlib

from redis.exceptions import RedisError

from ...settings import Settings
from ..counters import Count, LocalCounters
from .clients import connect

HIT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('PTTL', KEYS[1])}
"""
"""One event counted and the window's count and milliseconds left read back, in one step: no
other client's command runs in between (a Redis Cluster runs it on the key's node)."""
TAKE_BACK = """
if redis.call('DECR', KEYS[1]) <= 0 then
    redis.call('DEL', KEYS[1])
end
"""


class RedisCounters:
    def __init__(self, settings: Settings) -> None:
        self._redis = connect(settings)
        self._prefix = f"{settings.cache_key_prefix}counter:"
        self._hit = self._redis.register_script(HIT)
        self._take_back = self._redis.register_script(TAKE_BACK)
        self._meanwhile = LocalCounters()

    async def hit(self, key: str, window_seconds: int) -> Count:
        try:
            events, left_ms = await self._hit(
                keys=[self._prefix + key], args=[window_seconds * 1000]
            )
        except RedisError:
            return await self._meanwhile.hit(key, window_seconds)
        return Count(int(events), max(int(left_ms), 0) / 1000)

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
