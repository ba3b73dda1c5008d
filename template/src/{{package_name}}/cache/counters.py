"""Events counted over a time window: requests per caller (`RATE_LIMIT_PER_MINUTE`), sign-in
attempts. The runtime holds the service's `Counters`: these, in this process's memory, unless the
cache option puts counters shared by every worker and replica in their place.

A count is taken and read in one step (`hit`), so that attempts arriving together are counted
one after the other: a limit checked before counting lets every attempt that arrives before the
first is counted past it."""

import time
from collections.abc import Callable
from typing import NamedTuple, Protocol


class Count(NamedTuple):
    events: int
    """Events in the current window, the one just counted included."""
    seconds_left: float
    """Until the window ends."""


class Counters(Protocol):
    async def hit(self, key: str, window_seconds: int, *, slack: int = 1) -> Count:
        """Count one event under `key` and say how many the window holds now. The first event
        opens a window of `window_seconds`; later ones keep its end. `slack`: how many events
        this process may count before it tells the others (shared counters), for a limit that
        may be passed by that many per process in exchange for fewer round trips; 1: exact."""

    async def take_back(self, key: str) -> None:
        """Uncount one event (one that was counted ahead and turned out not to be one)."""

    async def clear(self, key: str) -> None: ...


class LocalCounters:
    """In this process only. Expired windows are dropped as new ones open, and at most
    `capacity` are kept (the oldest go first), so a flood of addresses cannot exhaust memory.
    Nothing awaits between reading a count and writing it: one event loop counts in order."""

    def __init__(
        self, capacity: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._windows: dict[str, tuple[int, float]] = {}
        self._capacity = capacity
        self._clock = clock

    async def hit(self, key: str, window_seconds: int, *, slack: int = 1) -> Count:
        now = self._clock()
        found = self._windows.get(key)
        if found is not None and found[1] > now:
            count, ends = found[0] + 1, found[1]
        else:
            if len(self._windows) >= self._capacity:
                self._forget_expired(now)
            while len(self._windows) >= self._capacity:
                del self._windows[next(iter(self._windows))]
            count, ends = 1, now + window_seconds
        self._windows[key] = (count, ends)
        # (now + w) - now can come out a hair over w in floating point.
        return Count(count, min(ends - now, window_seconds))

    async def take_back(self, key: str) -> None:
        found = self._windows.get(key)
        if found is not None and found[0] > 1:
            self._windows[key] = (found[0] - 1, found[1])
        elif found is not None:
            del self._windows[key]

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)

    def _forget_expired(self, now: float) -> None:
        for key in [key for key, (_, ends) in self._windows.items() if ends <= now]:
            del self._windows[key]
