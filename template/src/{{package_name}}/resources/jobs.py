"""Every resource's background jobs, in one place the runners and the pending sweep read. A
new job adds an import and an entry, one line each."""

from ..jobs.processing import Job
from .items.jobs import PROCESS_ITEM

JOBS: list[Job] = [
    PROCESS_ITEM,
]
