"""One place that turns the service's settings into a Celery app, for the API and the worker."""

from typing import Any

from celery import Celery

from ..processing import Job
from ..settings import Settings

PACKAGE = __name__.split(".")[0]
RETRY_BACKOFF_CAP_SECONDS = 60


def task_name(job: Job) -> str:
    """The Celery task that runs `job`, the same in the API and the worker."""
    return f"{PACKAGE}.{job.name}"


def create_celery(settings: Settings, **options: Any) -> Celery:
    """Note: Celery lets a CELERY_BROKER_URL environment variable win over `broker=`; here both
    come from that same variable, unless the broker is configured in `.env` only.

    At least once, never twice at a time: a task is acknowledged when it has run (a worker that
    dies hands it back), each worker process takes one message at a time, a task still running
    when the broker connection drops is cancelled (the broker delivers it again), and a broker's
    visibility timeout outlasts a task's time limit plus its longest retry wait, so a slow task
    is not delivered to a second worker while the first still runs it."""
    app = Celery(PACKAGE, broker=settings.broker_url, set_as_current=False, **options)
    time_limit = settings.celery_task_time_limit_seconds
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # the job writes its outcome to the database
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_time_limit=time_limit,
        task_soft_time_limit=max(1, time_limit - 5),
        task_default_queue=settings.celery_queue,
        broker_connection_timeout=settings.celery_publish_timeout_seconds,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.celery_visibility_timeout_seconds,
            **settings.celery_broker_transport_options,
        },
        enable_utc=True,
    )
    return app
