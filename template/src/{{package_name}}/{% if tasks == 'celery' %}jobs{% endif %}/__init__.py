"""Background work on Celery: the API queues a task per job, a separate worker runs it."""

from .scheduler import ItemJobs, ItemJobsDep, JobRunner

__all__ = ["ItemJobs", "ItemJobsDep", "JobRunner"]
