"""The outbox is pruned on a schedule: the events kept longer than `EVENT_RETENTION_HOURS` that
nothing waits to deliver go, once an hour, by one process of all those that run (see
`jobs.schedules`). Events still due and events parked stay until they are settled."""

import logging
from datetime import datetime, timedelta

from ..jobs.processing import JobContext
from ..jobs.schedules import Schedule

logger = logging.getLogger(__name__)

PRUNED_AT_ONCE = 1000
"""Deleted per statement, so that no statement holds the table long."""


async def prune_events(context: JobContext, tick: datetime) -> None:
    older_than = tick - timedelta(hours=context.settings.event_retention_hours)
    pruned = 0
    while True:
        deleted = await context.event_store.prune(older_than, PRUNED_AT_ONCE)
        pruned += deleted
        if deleted < PRUNED_AT_ONCE:
            break
    if pruned:
        logger.info("pruned %d events that occurred before %s", pruned, older_than)


PRUNE_EVENTS = Schedule("prune-events", every=timedelta(hours=1), run=prune_events)
