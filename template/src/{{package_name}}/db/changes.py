"""The seam between the data layer and whatever reacts to data changing.

A repository records a `Change` for every row it writes; once the unit of work has committed,
the data layer hands the changes to every subscriber the runtime registered (cache invalidation,
metrics, ...). A new write endpoint that goes through a unit of work gets all of that without
knowing which options are on.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .events import Event

logger = logging.getLogger(__name__)

ChangeKind = Literal["created", "updated", "deleted", "processed"]


@dataclass(frozen=True, slots=True)
class Change:
    entity: str
    """The table, e.g. `items`; with `key` it names the row: `items:42`."""
    key: int | str
    kind: ChangeKind
    event: Event | None = None
    """The change's event, when the write is one (see `events`)."""

    @property
    def name(self) -> str:
        return f"{self.entity}:{self.key}"


Subscriber = Callable[[Sequence[Change]], Awaitable[None]]


class AfterCommit:
    """Subscribers to committed changes. One per data layer, filled by the runtime."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def publish(self, changes: Sequence[Change]) -> None:
        """Runs after the commit: a subscriber that fails is logged, never undoes the write."""
        if not changes:
            return
        for subscriber in self._subscribers:
            try:
                await subscriber(changes)
            except Exception:
                logger.exception("after-commit subscriber %r failed", subscriber)
