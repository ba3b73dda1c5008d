"""The pending sweep: no job is lost. An item whose job did not run (the process died after the
response, the broker was down, the retries ran out) is found and scheduled again, by the service
itself, once it has waited `PENDING_JOB_AGE_SECONDS`. `POST /api/v1/items/{id}/process` stays an
operator's tool.

Every API process sweeps every `PENDING_SWEEP_INTERVAL_SECONDS` (with jitter), at most
`PENDING_SWEEP_BATCH` items at a time; an item it scheduled is left alone for one more age, so a
slow queue is not flooded. Several processes may schedule the same item: jobs are idempotent.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from .clock import utcnow
from .data import DatabaseUnavailable
from .db import Database
from .resources.items.repository import ItemRepository

logger = logging.getLogger(__name__)

Schedule = Callable[[int], Awaitable[bool]]


class PendingSweep:
    def __init__(
        self,
        store: Database,
        schedule: Schedule,
        *,
        age_seconds: float,
        interval_seconds: float,
        batch: int,
    ) -> None:
        self._store = store
        self._schedule = schedule
        self._age = age_seconds
        self._interval = interval_seconds
        self._batch = batch
        self._recently: dict[int, float] = {}

    async def sweep_once(self) -> list[int]:
        """Schedule the items pending for longer than the age; returns their ids."""
        now = time.monotonic()
        self._recently = {i: at for i, at in self._recently.items() if now - at < self._age}
        older_than = utcnow() - timedelta(seconds=self._age)
        async with self._store.reader() as unit:
            pending = await ItemRepository(unit).pending(older_than=older_than, limit=self._batch)
        scheduled = []
        for item_id in pending:
            if item_id in self._recently:
                continue
            if not await self._schedule(item_id):
                break  # the runner cannot take jobs now (broker down): next sweep
            self._recently[item_id] = now
            scheduled.append(item_id)
        if scheduled:
            logger.warning("scheduled %d pending items again: %s", len(scheduled), scheduled[:20])
        return scheduled

    async def _run_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval * random.uniform(0.5, 1.5))
            try:
                await self.sweep_once()
            except DatabaseUnavailable as error:
                logger.warning("pending sweep skipped: %s", error)
            except Exception:
                logger.exception("pending sweep failed")

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Sweep in the background while the block runs (not at all with a zero interval)."""
        if self._interval <= 0:
            yield
            return
        task = asyncio.create_task(self._run_forever(), name="pending-sweep")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
