"""Background work in the API process: FastAPI runs each job after its response is sent."""

from .scheduler import ItemJobs, ItemJobsDep, JobRunner

__all__ = ["ItemJobs", "ItemJobsDep", "JobRunner"]
