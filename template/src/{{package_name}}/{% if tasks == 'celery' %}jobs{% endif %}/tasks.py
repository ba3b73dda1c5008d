"""Celery tasks. Each is a thin, synchronous shell around the same async job the API would run:
a database that is unavailable gets the task retried with backoff; when the retries run out the
item stays pending and the API's pending sweep queues it again."""

import logging

from celery import Task

from ..data import DatabaseUnavailable
from ..logging_config import request_id
from ..processing import PROCESS_ITEM, backoff_seconds, process_item
from .celery_config import RETRY_BACKOFF_CAP_SECONDS, TASK_NAME
from .worker import celery_app, runtime

logger = logging.getLogger(__name__)


@celery_app.task(name=TASK_NAME, bind=True, max_retries=5)
def process_item_task(self: Task, item_id: int) -> bool:
    token = request_id.set(getattr(self.request, "request_id", None))
    try:
        return _process(self, item_id)
    finally:
        request_id.reset(token)


def _process(self: Task, item_id: int) -> bool:
    logger.info("task %s: processing item %s", self.request.id, item_id)
    try:
        processed = runtime.run(lambda resources: process_item(resources.database, item_id))
    except DatabaseUnavailable as error:
        attempt = self.request.retries + 1
        if attempt > self.max_retries:
            logger.warning("item %s: retries exhausted (%s); left for the sweep", item_id, error)
            runtime.outcomes.record(PROCESS_ITEM, "failed")
            raise
        runtime.outcomes.record(PROCESS_ITEM, "retried")
        wait = backoff_seconds(attempt, base=1.0, cap=RETRY_BACKOFF_CAP_SECONDS)
        raise self.retry(exc=error, countdown=wait) from error
    except Exception:
        runtime.outcomes.record(PROCESS_ITEM, "failed")
        raise
    runtime.outcomes.record(PROCESS_ITEM, "succeeded")
    return processed
