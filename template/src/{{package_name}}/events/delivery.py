"""Delivery of the outbox's events, the same in every process that delivers (the API's, or a
worker's): claim a batch of due events, send each to the URLs that still need it, then settle
it: delivered, due again later with backoff and jitter, or parked once its attempts ran out.

A claim is a lease: events whose deliverer died (SIGKILL, a lost database) are due again when it
ends, so an event is delivered at least once, and sometimes twice; receivers drop repeats by
`webhook-id`."""

import asyncio
import logging

from ..db.events import Claimed, EventStore
from ..jobs.processing import JobOutcomes, backoff_seconds
from ..settings import Settings
from .webhooks import Webhooks

logger = logging.getLogger(__name__)

JOB = "webhook"
"""The name deliveries are counted under, with the other jobs."""
BATCH = 32
"""Events claimed, and sent side by side, at a time."""
BACKOFF_CAP_SECONDS = 3600.0


class Delivery:
    def __init__(
        self, store: EventStore, webhooks: Webhooks, outcomes: JobOutcomes, settings: Settings
    ) -> None:
        self._store = store
        self._webhooks = webhooks
        self._outcomes = outcomes
        self._attempts = settings.webhook_attempts
        self._backoff = settings.webhook_backoff_seconds
        # Twice as long as a delivery to every URL can take (each call is bounded, retries
        # included): an event is delivered again only when its deliverer is gone.
        call = settings.outbound_timeout_seconds * (settings.outbound_retries + 1)
        self._lease = 5.0 + 2 * call * max(1, len(webhooks.urls))

    async def deliver_due(self) -> int:
        """Deliver until nothing is due; how many events were settled."""
        settled = 0
        while True:
            claimed = await self._store.claim(lease_seconds=self._lease, limit=BATCH)
            if not claimed:
                return settled
            sent = await asyncio.gather(*(self._deliver(event) for event in claimed))
            await self._store.delivered(
                [c.event.id for c, ok in zip(claimed, sent, strict=True) if ok]
            )
            settled += len(claimed)
            if len(claimed) < BATCH:
                return settled

    async def _deliver(self, claimed: Claimed) -> bool:
        """Send one event; `True` when every URL took it, else it is settled here."""
        configured = self._webhooks.urls
        wanted = configured if claimed.undelivered is None else claimed.undelivered
        urls = [url for url in wanted if url in configured]  # a URL since removed is dropped
        failed = await self._webhooks.send(claimed.event, urls) if urls else {}
        if not failed:
            self._outcomes.record(JOB, "succeeded")
            return True
        event, error = claimed.event, "; ".join(f"{url}: {why}" for url, why in failed.items())
        if claimed.attempt >= self._attempts:
            logger.error(
                "event %s (%s) parked after %d deliveries: %s",
                event.id, event.type, claimed.attempt, error,
            )  # fmt: skip
            await self._store.park(event.id, undelivered=list(failed), error=error)
            self._outcomes.record(JOB, "failed")
            return False
        wait = backoff_seconds(claimed.attempt, base=self._backoff, cap=BACKOFF_CAP_SECONDS)
        logger.warning(
            "event %s (%s) not delivered (%s); again in %.1f s", event.id, event.type, error, wait
        )
        await self._store.retry_later(event.id, seconds=wait, undelivered=list(failed), error=error)
        self._outcomes.record(JOB, "retried")
        return False
