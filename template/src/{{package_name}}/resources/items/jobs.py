"""The job every new item gets: its `processed_at` is set once, however often the job runs."""

import logging
from datetime import datetime

from ...db import Database
from ...db.clock import utcnow
from ...jobs.processing import Job, JobContext
from .repository import ItemRepository

logger = logging.getLogger(__name__)


async def process_item(context: JobContext, item_id: int) -> bool:
    """Mark the item processed; `False` when it was deleted before the job ran."""
    async with context.database.autocommit() as unit:
        processed = await ItemRepository(unit).mark_processed(item_id, utcnow())
    if processed:
        logger.info("processed item %s", item_id)
    else:
        logger.info("item %s was deleted before it could be processed", item_id)
    return processed


async def unprocessed_items(database: Database, older_than: datetime, limit: int) -> list[int]:
    async with database.reader() as unit:
        return await ItemRepository(unit).pending(older_than=older_than, limit=limit)


PROCESS_ITEM = Job("process_item", run=process_item, pending=unprocessed_items)
