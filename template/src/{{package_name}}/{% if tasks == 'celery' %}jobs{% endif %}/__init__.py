"""Background work on Celery: the API queues a task per job, a separate worker runs it."""

from .scheduler import JobRunner, Jobs, JobsDep

__all__ = ["JobRunner", "Jobs", "JobsDep"]
