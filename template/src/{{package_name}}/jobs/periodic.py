"""Work an API process does in the background while it serves: for as long as a block runs
(`in_background`), in rounds that each say when the next is (`in_rounds`), on a period
(`every`), or as soon as asked and once more for every request made meanwhile (`Coalesced`)."""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from ..db.data import DatabaseUnavailable

logger = logging.getLogger(__name__)


async def cancelled(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and wait until it has ended: again and again, as on Python 3.11 a
    cancellation that meets a timeout expiring inside a read is absorbed (`asyncio.timeout`'s
    uncancel) and the read goes on."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.01)


@asynccontextmanager
async def in_background(
    work: Callable[[], Coroutine[Any, Any, None]], name: str
) -> AsyncIterator[None]:
    """`work` in a task of its own while the block runs, `cancelled` when it ends."""
    task = asyncio.create_task(work(), name=name)
    try:
        yield
    finally:
        await cancelled(task)


@asynccontextmanager
async def in_rounds(
    work: Callable[[], Awaitable[float | None]], name: str, *, grace_seconds: float
) -> AsyncIterator[None]:
    """`work` again and again while the block runs, each round returning the seconds to wait
    before the next (`None`: until the block ends). When the block ends, a round under way
    finishes (for at most `grace_seconds`) before the task is cancelled: a statement cut off
    midway leaves its connection to the garbage collector instead of the pool."""
    stopping = asyncio.Event()

    async def rounds() -> None:
        while not stopping.is_set():
            pause = await work()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=pause)

    task = asyncio.create_task(rounds(), name=name)
    try:
        yield
    finally:
        stopping.set()
        await asyncio.wait({task}, timeout=grace_seconds)
        await cancelled(task)


@asynccontextmanager
async def every(
    seconds: float, work: Callable[[], Awaitable[Any]], name: str
) -> AsyncIterator[None]:
    """Run `work` every `seconds` (with jitter, so that processes started together spread out)
    while the block runs; not at all with a zero period."""
    if seconds <= 0:
        yield
        return

    async def forever() -> None:
        while True:
            await asyncio.sleep(seconds * random.uniform(0.5, 1.5))  # jitter, not a secret
            try:
                await work()
            except DatabaseUnavailable as error:
                logger.warning("%s skipped: %s", name, error)
            except Exception:
                logger.exception("%s failed", name)

    async with in_background(forever, name):
        yield


class Coalesced:
    """`work` in a task of its own when asked; asked again while it runs, it runs once more
    after, however often it was asked: a burst of requests is a few runs, none is missed."""

    def __init__(self, work: Callable[[], Awaitable[Any]], name: str) -> None:
        self._work = work
        self._name = name
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def __call__(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def close(self, seconds: float) -> None:
        """Let the run under way finish, for at most `seconds`."""
        if self._task is not None and not self._task.done():
            await asyncio.wait([self._task], timeout=seconds)

    async def _run(self) -> None:
        while True:
            self._again = False
            try:
                await self._work()
            except DatabaseUnavailable as error:
                logger.warning("%s stopped: %s", self._name, error)
                return  # the next period tries again
            except Exception:
                logger.exception("%s failed", self._name)
                return
            if not self._again:
                return
