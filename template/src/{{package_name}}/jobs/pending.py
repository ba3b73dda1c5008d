"""The pending sweep: no job is lost. A row whose job did not run (the process died after the
response, the broker was down, the retries ran out) is found by its job's `pending` and
scheduled again, by the service itself, once it has waited `PENDING_JOB_AGE_SECONDS`.

Every API process sweeps every `PENDING_SWEEP_INTERVAL_SECONDS` (with jitter), at most
`PENDING_SWEEP_BATCH` rows per job at a time; a row it scheduled is left alone for one more age,
so a slow queue is not flooded. Several processes may schedule the same row: jobs are idempotent.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from ..db import Database
from ..db.clock import utcnow
from .periodic import every
from .processing import Job

logger = logging.getLogger(__name__)

Schedule = Callable[[Job, int], Awaitable[bool]]


class PendingSweep:
    def __init__(
        self,
        store: Database,
        jobs: list[Job],
        schedule: Schedule,
        *,
        age_seconds: float,
        interval_seconds: float,
        batch: int,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._schedule = schedule
        self._age = age_seconds
        self._interval = interval_seconds
        self._batch = batch
        self._recently: dict[tuple[str, int], float] = {}

    async def sweep_once(self) -> list[tuple[str, int]]:
        """Schedule the rows pending for longer than the age; returns (job, key) of each."""
        now = time.monotonic()
        self._recently = {k: at for k, at in self._recently.items() if now - at < self._age}
        older_than = utcnow() - timedelta(seconds=self._age)
        scheduled = []
        for job in self._jobs:
            for key in await job.pending(self._store, older_than, self._batch):
                if (job.name, key) in self._recently:
                    continue
                if not await self._schedule(job, key):
                    break  # the runner cannot take jobs now (broker down): next sweep
                self._recently[job.name, key] = now
                scheduled.append((job.name, key))
        if scheduled:
            logger.warning("scheduled %d pending jobs again: %s", len(scheduled), scheduled[:20])
        return scheduled

    def running(self) -> AbstractAsyncContextManager[None]:
        """Sweep in the background while the block runs (not at all with a zero interval)."""
        return every(self._interval, self.sweep_once, "pending-sweep")
