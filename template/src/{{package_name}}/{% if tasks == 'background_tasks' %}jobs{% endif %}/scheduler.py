"""Jobs on FastAPI's `BackgroundTasks`: the first attempt runs right after the response is
sent; when the database is unavailable, further attempts are retried with backoff outside the
request (so a keep-alive connection is not held), and a job whose attempts all fail is left to
the pending sweep."""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request

from ..data import DatabaseUnavailable
from ..processing import Job, backoff_seconds
from ..readiness import ReadinessCheck
from ..runtime import Runtime

logger = logging.getLogger(__name__)


class JobRunner:
    """Runs jobs in this process; created once in the lifespan, drained on shutdown."""

    readiness_checks: tuple[ReadinessCheck, ...] = ()
    """Nothing to ask: the jobs run here."""

    def __init__(self, runtime: Runtime) -> None:
        self._database = runtime.database
        self._outcomes = runtime.job_outcomes
        self._attempts = runtime.settings.job_attempts
        self._running: set[asyncio.Task[None]] = set()

    async def run(self, job: Job, key: int, attempt: int = 1) -> None:
        """One attempt; a database that is unavailable gets another, later, in its own task."""
        try:
            await job.run(self._database, key)
        except DatabaseUnavailable as error:
            if attempt >= self._attempts:
                logger.warning(
                    "%s %s: job failed %d times (%s); the pending sweep will run it again",
                    job.name, key, attempt, error,
                )  # fmt: skip
                self._outcomes.record(job.name, "failed")
                return
            self._outcomes.record(job.name, "retried")
            self._spawn(self._retry(job, key, attempt + 1))
        except Exception:
            # The client already has its response: a failure here is only visible in the logs.
            logger.exception("%s %s failed", job.name, key)
            self._outcomes.record(job.name, "failed")
        else:
            self._outcomes.record(job.name, "succeeded")

    async def schedule(self, job: Job, key: int) -> bool:
        """Run the job in its own task (the pending sweep's way in); always accepted."""
        self._spawn(self.run(job, key))
        return True

    async def close(self, seconds: float = 10.0) -> None:
        """Let the running jobs finish, for at most `seconds`."""
        if self._running:
            await asyncio.wait(self._running, timeout=seconds)

    async def _retry(self, job: Job, key: int, attempt: int) -> None:
        await asyncio.sleep(backoff_seconds(attempt - 1))
        await self.run(job, key, attempt)

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._running.add(task)
        task.add_done_callback(self._running.discard)


class Jobs:
    """What a request hands its jobs to."""

    def __init__(self, background_tasks: BackgroundTasks, runner: JobRunner) -> None:
        self._background_tasks = background_tasks
        self._runner = runner

    async def later(self, job: Job, key: int) -> bool:
        """Always queued: the job runs in this process once the response is sent."""
        self._background_tasks.add_task(self._runner.run, job, key)
        return True


async def get_jobs(background_tasks: BackgroundTasks, request: Request) -> Jobs:
    runner: JobRunner = request.app.state.jobs
    return Jobs(background_tasks, runner)


JobsDep = Annotated[Jobs, Depends(get_jobs)]
