"""The job every new item gets, whichever runner (BackgroundTasks or Celery) schedules it."""

import logging

from .clock import utcnow
from .repository import DataStore

logger = logging.getLogger(__name__)


async def process_item(store: DataStore, item_id: int) -> bool:
    """Mark the item processed; `False` when it was deleted before the job ran."""
    async with store.transaction() as items:
        processed = await items.mark_processed(item_id, utcnow())
    if processed:
        logger.info("processed item %s", item_id)
    else:
        logger.info("item %s was deleted before it could be processed", item_id)
    return processed
