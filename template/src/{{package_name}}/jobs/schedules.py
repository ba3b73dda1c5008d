"""Schedules: periodic jobs declared in code (`resources/schedules.py`), each tick run once
however many API processes and replicas run.

A schedule runs `every` an interval (its ticks are whole multiples of it since the epoch: every
hour is on the hour, in every process alike) or on a `cron` expression (five fields, UTC). Every
API process keeps the time; the first to claim a tick in the database (`schedule_runs`, one row
per schedule) runs it, in the process or on a worker, and the others skip it. A claim is a
lease: a tick whose run died with its process (SIGKILL, a lost database) is claimed again once
the lease ends, so a tick runs at least once and, unless a run outlives its lease, once; a run
that fails is retried with backoff, `JOB_ATTEMPTS` times in all. A tick missed while no process
ran is run when one starts, the latest only: missed ticks do not pile up.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim, CronSimError

from ..db.clock import utcnow
from ..db.data import DatabaseUnavailable
from ..db.schedules import ScheduleRun, ScheduleRuns
from .periodic import in_rounds
from .processing import JobContext, JobOutcomes, backoff_seconds

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BACKOFF_CAP_SECONDS = 300.0
NAME_LENGTH = 100
"""As long as `schedule_runs.name` is."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A periodic job: `every` an interval or on a `cron` expression, one of them."""

    name: str
    """Its name in the `schedule_runs` table, logs and metrics, and of its task on a worker."""
    run: Callable[[JobContext, datetime], Awaitable[None]]
    """The work of one tick, given the tick's time: what it is for ("the report of that
    night"), and the key that makes a second run of the same tick do nothing new."""
    every: timedelta | None = None
    cron: str | None = None
    """Minute, hour, day of the month, month, day of the week; in UTC."""
    lease: timedelta = timedelta(minutes=10)
    """How long a run may take: past it, another process may take the tick over."""

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= NAME_LENGTH:
            raise ValueError(f"schedule {self.name!r}: a name of 1 to {NAME_LENGTH} characters")
        if (self.every is None) == (self.cron is None):
            raise ValueError(f"schedule {self.name!r}: give it `every` or `cron`, one of them")
        if self.every is not None and self.every < timedelta(seconds=1):
            raise ValueError(f"schedule {self.name!r}: `every` is a second at least")
        if self.cron is not None:
            try:
                CronSim(self.cron, EPOCH)
            except CronSimError as error:
                raise ValueError(f"schedule {self.name!r}: cron {self.cron!r}: {error}") from None

    def latest_tick(self, now: datetime) -> datetime:
        """The last tick at or before `now`."""
        if self.every is not None:
            return EPOCH + self.every * ((now - EPOCH) // self.every)
        assert self.cron is not None
        just_after = now.astimezone(UTC) + timedelta(microseconds=1)
        return next(CronSim(self.cron, just_after, reverse=True))

    def next_tick(self, now: datetime) -> datetime:
        """The first tick after `now`."""
        if self.every is not None:
            return self.latest_tick(now) + self.every
        assert self.cron is not None
        return next(CronSim(self.cron, now.astimezone(UTC)))


StartTick = Callable[[Schedule, datetime, int], Awaitable[bool]]
"""How a claimed tick is run (in this process, or queued for a worker); `False` when it could
not be started."""


async def run_tick(
    context: JobContext,
    runs: ScheduleRuns,
    outcomes: JobOutcomes,
    schedule: Schedule,
    due_at: datetime,
    attempt: int,
) -> None:
    """Run one claimed tick and settle it: finished, retried later with backoff, or given up
    (logged, counted as failed) once its attempts ran out. An attempt another process has
    taken over since (a task that waited in the queue past its lease) does nothing."""
    if not _holds(await runs.latest(schedule.name), due_at, attempt):
        logger.info("%s at %s: attempt %d was taken over, not run", schedule.name, due_at, attempt)
        return
    try:
        await schedule.run(context, due_at)
    except Exception as error:
        attempts = context.settings.job_attempts
        if attempt >= attempts:
            logger.exception("%s at %s failed %d times: given up", schedule.name, due_at, attempt)
            await runs.finished(schedule.name, due_at, error=repr(error))
            outcomes.record(schedule.name, "failed")
            return
        wait = backoff_seconds(attempt, base=1.0, cap=BACKOFF_CAP_SECONDS)
        logger.warning("%s at %s failed (%r); again in %.1f s", schedule.name, due_at, error, wait)
        await runs.retry_later(schedule.name, due_at, wait, repr(error))
        outcomes.record(schedule.name, "retried")
        return
    await runs.finished(schedule.name, due_at)
    outcomes.record(schedule.name, "succeeded")


def _holds(latest: ScheduleRun | None, due_at: datetime, attempt: int) -> bool:
    """Whether `attempt` of the tick `due_at` is the one that holds it, and it has not run."""
    if latest is None or latest.finished_at is not None:
        return False
    return (latest.due_at, latest.attempts) == (due_at, attempt)


class Scheduler:
    """Keeps the time of the schedules in an API process: at each tick (and every
    `recheck_seconds`, for a tick whose run died or is due again), claims what is due and
    starts it."""

    def __init__(
        self,
        schedules: Sequence[Schedule],
        runs: ScheduleRuns,
        start: StartTick,
        *,
        recheck_seconds: float,
        grace_seconds: float,
    ) -> None:
        names = [schedule.name for schedule in schedules]
        if len(set(names)) != len(names):
            raise ValueError(f"schedules share a name: {sorted(names)}")
        self._schedules = list(schedules)
        self._runs = runs
        self._start = start
        self._recheck = recheck_seconds
        self._grace = grace_seconds

    async def claim_due(self) -> None:
        """Claim and start each schedule's latest tick that no process holds or ran."""
        now = utcnow()
        for schedule in self._schedules:
            due_at = schedule.latest_tick(now)
            lease = schedule.lease.total_seconds()
            attempt = await self._runs.claim(schedule.name, due_at, lease)
            if attempt is not None and not await self._start(schedule, due_at, attempt):
                # A broker that is down: the tick is claimed again at the next check.
                await self._runs.retry_later(schedule.name, due_at, 0.0, "could not be queued")

    def running(self) -> AbstractAsyncContextManager[None]:
        """Keep the time while the block runs; a check under way when it ends is finished."""
        return in_rounds(self._check, "scheduler", grace_seconds=self._grace)

    async def _check(self) -> float | None:
        """Claim what is due; the seconds until the next tick of any schedule, or the recheck
        (`None`: no schedule, nothing to wait for)."""
        if not self._schedules:
            return None
        try:
            await self.claim_due()
        except DatabaseUnavailable as error:
            logger.warning("schedules not checked: %s", error)
        except Exception:
            logger.exception("schedules not checked")
        now = utcnow()
        wake_at = min(schedule.next_tick(now) for schedule in self._schedules)
        if self._recheck > 0:
            wake_at = min(wake_at, now + timedelta(seconds=self._recheck))
        return max(0.0, (wake_at - utcnow()).total_seconds())
