"""Background work in the API process: FastAPI runs each job after its response is sent."""

from .scheduler import ItemJobs, ItemJobsDep

__all__ = ["ItemJobs", "ItemJobsDep"]
