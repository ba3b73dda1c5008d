"""The background update's two flavours: FastAPI's BackgroundTasks, or, when `BENCH_CELERY_BROKER`
is set, a Celery task published straight from the handler as the Celery tutorial does (no worker
consumes it during the bench)."""

import os
from collections.abc import Awaitable, Callable

from fastapi import BackgroundTasks

BROKER = os.environ.get("BENCH_CELERY_BROKER")

if BROKER:
    from celery import Celery

    celery_app = Celery("bench_reference", broker=BROKER)
    celery_app.conf.task_default_queue = "bench-reference"


def schedule(
    background: BackgroundTasks, job: Callable[[int], Awaitable[None]], item_id: int
) -> None:
    if BROKER:
        celery_app.send_task("bench_reference.process_item", args=[item_id])
    else:
        background.add_task(job, item_id)
