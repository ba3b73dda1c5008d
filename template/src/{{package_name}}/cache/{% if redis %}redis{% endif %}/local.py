"""A small in-process tier in front of Redis, kept true by Redis itself: every invalidation is
published on a channel that each process subscribes to, and an entry is kept only while that
subscription is up. Reading a hot entry then costs a dictionary lookup instead of a round trip
to Redis.

An entry read while an invalidation was on its way is never kept: each invalidation bumps a
generation, and a value is stored only if none arrived since its Redis command was sent. When the
subscription drops, messages may have been missed: the tier is emptied and bypassed until it is
back."""

import time
from collections import OrderedDict


class LocalTier:
    def __init__(self, *, entries: int, ttl_seconds: float) -> None:
        self.capacity = entries
        self._ttl = ttl_seconds
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.generation = 0
        self.listening = False
        """True while the invalidation channel is subscribed: only then is anything kept."""

    @property
    def enabled(self) -> bool:
        return self.capacity > 0 and self.listening

    def get(self, key: str) -> bytes | None:
        if not self.enabled:
            return None
        found = self._entries.get(key)
        if found is None:
            return None
        expires, value = found
        if expires < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def keep(self, key: str, value: bytes, *, seen_generation: int) -> None:
        """Store `value` unless an invalidation arrived after `seen_generation` was read."""
        if not self.enabled or seen_generation != self.generation:
            return
        self._entries[key] = (time.monotonic() + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def invalidate(self, key: str) -> None:
        self.generation += 1
        self._entries.pop(key, None)

    def forget_everything(self) -> None:
        self.generation += 1
        self._entries.clear()
