"""Celery tasks, one per job in `resources/jobs.py`. Each is a thin, synchronous shell around the
same async job the API would run: a database that is unavailable gets the task retried with
backoff; when the retries run out the row stays pending and the API's pending sweep queues it
again."""

import logging
from typing import Any

from celery import Task

from ..data import DatabaseUnavailable
from ..logging_config import request_id
from ..processing import Job, backoff_seconds
from ..resources.jobs import JOBS
from .celery_config import RETRY_BACKOFF_CAP_SECONDS, task_name
from .worker import celery_app, runtime

logger = logging.getLogger(__name__)


def _task_of(job: Job) -> Any:
    @celery_app.task(name=task_name(job), bind=True, max_retries=5)
    def run(self: Task, key: int) -> bool:
        token = request_id.set(getattr(self.request, "request_id", None))
        try:
            return _run(self, job, key)
        finally:
            request_id.reset(token)

    return run


def _run(self: Task, job: Job, key: int) -> bool:
    logger.info("task %s: %s %s", self.request.id, job.name, key)
    try:
        done = runtime.run(lambda opened: job.run(opened.database, key))
    except DatabaseUnavailable as error:
        attempt = self.request.retries + 1
        if attempt > self.max_retries:
            logger.warning(
                "%s %s: retries exhausted (%s); left for the sweep", job.name, key, error
            )
            runtime.outcomes.record(job.name, "failed")
            raise
        runtime.outcomes.record(job.name, "retried")
        wait = backoff_seconds(attempt, base=1.0, cap=RETRY_BACKOFF_CAP_SECONDS)
        raise self.retry(exc=error, countdown=wait) from error
    except Exception:
        runtime.outcomes.record(job.name, "failed")
        raise
    runtime.outcomes.record(job.name, "succeeded")
    return done


TASKS = {job.name: _task_of(job) for job in JOBS}
