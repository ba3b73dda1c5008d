"""The job every new item gets, whichever runner schedules it (in the API process or in a
worker), and what the runners share: idempotence, retries, and their outcomes.

Jobs are delivered at least once: a retry, the pending sweep or an operator may run one again.
`mark_processed` keeps the first time, so running a job twice changes nothing.
"""

import logging
import random
from collections.abc import Callable
from typing import Literal

from .clock import utcnow
from .db import Database
from .resources.items.repository import ItemRepository

logger = logging.getLogger(__name__)

PROCESS_ITEM = "process_item"

Outcome = Literal["succeeded", "retried", "failed"]
OutcomeObserver = Callable[[str, Outcome], None]


async def process_item(store: Database, item_id: int) -> bool:
    """Mark the item processed; `False` when it was deleted before the job ran."""
    async with store.autocommit() as unit:
        processed = await ItemRepository(unit).mark_processed(item_id, utcnow())
    if processed:
        logger.info("processed item %s", item_id)
    else:
        logger.info("item %s was deleted before it could be processed", item_id)
    return processed


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
