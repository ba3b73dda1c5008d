"""What a resource's background job is, and what the runners (in the API process or in
workers) do for every job alike: retries with backoff, and their outcomes.

Jobs run at least once: a retry, the pending sweep or an operator may run one again, so `run`
must be idempotent. No job is lost: the record that a job is due is the resource's own row,
written by the same statement as the change (e.g. `processed_at IS NULL`), and `pending` finds
the rows whose job has not run, after a crash, a SIGKILL or a broker outage.
"""

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from ..db import Database
from ..db.events import EventStore
from ..outbound.http import OutboundHttp
from ..settings import Settings

Outcome = Literal["succeeded", "retried", "failed"]
OutcomeObserver = Callable[[str, Outcome], None]


class JobContext(Protocol):
    """What a job runs with: the runtime of the process that runs it (the API's, or a
    worker's)."""

    @property
    def database(self) -> Database: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def http(self) -> OutboundHttp: ...

    @property
    def event_store(self) -> EventStore: ...


@dataclass(slots=True)
class Job:
    """A job a resource declares for its rows, listed in `resources/jobs.py`."""

    name: str
    """Its name in logs and metrics, and of the task that runs it when jobs run in workers."""
    run: Callable[[JobContext, int], Awaitable[bool]]
    """Run it for one row; `False` when the row is gone. Idempotent."""
    pending: Callable[[Database, datetime, int], Awaitable[list[int]]]
    """Keys of at most `limit` rows written before `older_than` whose job has not run."""


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 60.0) -> float:
    """Exponential backoff with full jitter: attempt 1 waits up to `base`, then twice as long."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))  # jitter, not a secret


class JobOutcomes:
    """Where a runner reports how each job ended; the runtime subscribes what the options need
    (metrics)."""

    def __init__(self) -> None:
        self._observers: list[OutcomeObserver] = []

    def subscribe(self, observer: OutcomeObserver) -> None:
        self._observers.append(observer)

    def record(self, job: str, outcome: Outcome) -> None:
        for observer in self._observers:
            observer(job, outcome)
