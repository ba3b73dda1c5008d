"""The `schedule_runs` table's side of the schedules (`jobs.schedules`): each schedule's latest
tick claimed, who holds it and how it ended; each ORM's `schedule_runs` keeps it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    """A schedule's latest tick claimed, as `schedule_runs` keeps it."""

    name: str
    due_at: datetime
    attempts: int
    finished_at: datetime | None
    last_error: str | None


class ScheduleRuns(Protocol):
    """The `schedule_runs` table: each schedule's latest tick, who holds it, how it ended."""

    async def claim(self, name: str, due_at: datetime, lease_seconds: float) -> int | None:
        """Take the tick unless another process holds it or it has run (or a later tick has
        been claimed): its attempt, or `None`."""
        ...

    async def finished(self, name: str, due_at: datetime, error: str | None = None) -> None: ...

    async def retry_later(self, name: str, due_at: datetime, seconds: float, error: str) -> None:
        """Release the tick, to be claimed again in `seconds`."""
        ...

    async def latest(self, name: str) -> ScheduleRun | None:
        """The schedule's latest tick claimed, and how it ended; `None` before its first."""
        ...
