"""The API's side of Celery: jobs are published by task name, and publishing never waits on a
broker for longer than `CELERY_PUBLISH_TIMEOUT_SECONDS`."""

import logging
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from kombu.exceptions import OperationalError

from ..settings import Settings
from .celery_config import PROCESS_ITEM, create_celery

logger = logging.getLogger(__name__)


class TaskQueue:
    """Created once in the lifespan; its Celery client keeps a pool of broker connections."""

    def __init__(self, settings: Settings) -> None:
        self._celery = create_celery(settings)
        self._timeout = settings.celery_publish_timeout_seconds

    async def publish(self, task: str, *args: Any) -> str | None:
        """The task's id, or `None` when the broker could not take it in time."""
        send = partial(self._celery.send_task, task, args=args, retry=False)
        try:
            with anyio.fail_after(self._timeout):
                result = await anyio.to_thread.run_sync(send, abandon_on_cancel=True)
        except (OperationalError, OSError, TimeoutError) as error:
            logger.warning("could not queue %s%s: %s", task, args, str(error) or "timed out")
            return None
        task_id: str = result.id
        return task_id

    async def ping(self) -> None:
        def connect() -> None:
            with self._celery.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1)

        with anyio.fail_after(self._timeout):
            await anyio.to_thread.run_sync(connect, abandon_on_cancel=True)

    def close(self) -> None:
        self._celery.close()


class ItemJobs:
    def __init__(self, queue: TaskQueue) -> None:
        self._queue = queue

    async def process_later(self, item_id: int) -> bool:
        """`False` when the broker is down: the item stays unprocessed until it is queued again."""
        task_id = await self._queue.publish(PROCESS_ITEM, item_id)
        if task_id is not None:
            logger.info("queued task %s for item %s", task_id, item_id)
        return task_id is not None


async def get_item_jobs(request: Request) -> ItemJobs:
    queue: TaskQueue = request.app.state.task_queue
    return ItemJobs(queue)


ItemJobsDep = Annotated[ItemJobs, Depends(get_item_jobs)]
