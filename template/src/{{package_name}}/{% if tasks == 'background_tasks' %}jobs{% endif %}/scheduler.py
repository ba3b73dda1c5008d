"""Schedules item processing on the request's `BackgroundTasks`."""

import logging
from typing import Annotated

from fastapi import BackgroundTasks, Depends

from ..api.deps import DatabaseDep
from ..processing import process_item
from ..repository import DataStore

logger = logging.getLogger(__name__)


async def _process_logged(store: DataStore, item_id: int) -> None:
    # The client already has its response: a failure here is only visible in the logs.
    try:
        await process_item(store, item_id)
    except Exception:
        logger.exception("processing item %s failed", item_id)


class ItemJobs:
    def __init__(self, background_tasks: BackgroundTasks, store: DataStore) -> None:
        self._background_tasks = background_tasks
        self._store = store

    async def process_later(self, item_id: int) -> None:
        self._background_tasks.add_task(_process_logged, self._store, item_id)


async def get_item_jobs(background_tasks: BackgroundTasks, database: DatabaseDep) -> ItemJobs:
    return ItemJobs(background_tasks, database)


ItemJobsDep = Annotated[ItemJobs, Depends(get_item_jobs)]
