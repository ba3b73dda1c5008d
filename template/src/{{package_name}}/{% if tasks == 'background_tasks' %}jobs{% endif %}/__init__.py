"""Background work in the API process: FastAPI runs each job after its response is sent."""

from .scheduler import JobRunner, Jobs, JobsDep

__all__ = ["JobRunner", "Jobs", "JobsDep"]
