"""The API processes' part in delivering events: after a commit that wrote events, wake the
deliverers at once (`deliver`: in this process, or a worker's task); every
`PENDING_SWEEP_INTERVAL_SECONDS`, wake them for what is due and was left behind (a retry whose
time came, the lease of a deliverer that died, a broker that was down). The outbox is pruned on
a schedule (`pruning`)."""

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import get_args

from ..db.changes import Change
from ..db.events import EventKind, EventStore
from ..jobs.periodic import every
from ..settings import Settings

EVENT_KINDS = frozenset(get_args(EventKind))


class EventRelay:
    def __init__(self, store: EventStore, deliver: Callable[[], None], settings: Settings) -> None:
        self._store = store
        self._deliver = deliver
        self._delivering = bool(settings.webhook_urls)
        self._interval = settings.pending_sweep_interval_seconds

    async def committed(self, changes: Sequence[Change]) -> None:
        """The data layer's after-commit subscriber."""
        if self._delivering and any(change.kind in EVENT_KINDS for change in changes):
            self._deliver()

    async def sweep_once(self) -> None:
        """Wake the deliverers if anything is due."""
        if await self._store.any_due():
            self._deliver()

    def running(self) -> AbstractAsyncContextManager[None]:
        """Sweep while the block runs; not at all when no webhook is configured (nothing is
        ever due)."""
        return every(self._interval if self._delivering else 0, self.sweep_once, "event-sweep")
