"""The worker's entry point: `celery -A <package>.jobs.worker worker`.

Tasks are synchronous functions, the data layer is async. Each worker process therefore owns one
event loop and one `Runtime` (the same data layer and option hooks as the API), opened once when
the process starts and closed when it stops, and every task runs on that loop. A runtime per
task would build a connection pool per task; `asyncio.run` per task would strand pooled
connections on closed loops.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from celery.signals import (
    celeryd_init,
    setup_logging,
    worker_process_init,
    worker_process_shutdown,
    worker_shutdown,
)
from celery.utils.nodenames import default_nodename, gethostname

from ..logging_config import configure_logging
from ..processing import JobOutcomes
from ..runtime import Runtime
from ..settings import get_settings
from .celery_config import create_celery

logger = logging.getLogger(__name__)

T = TypeVar("T")

celery_app = create_celery(get_settings(), include=[f"{__package__}.tasks"])


class WorkerRuntime:
    """This process's event loop and runtime. The lock keeps a threaded pool correct: the loop
    runs one task at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._opened: tuple[asyncio.AbstractEventLoop, Runtime] | None = None

    @property
    def outcomes(self) -> JobOutcomes:
        return self._open()[1].job_outcomes

    def run(self, job: Callable[[Runtime], Awaitable[T]]) -> T:
        with self._lock:
            loop, runtime = self._open()
            return loop.run_until_complete(job(runtime))

    def start(self) -> None:
        with self._lock:
            self._open()

    def stop(self) -> None:
        with self._lock:
            if self._opened is None or self._pid != os.getpid():
                return
            loop, runtime = self._opened
            loop.run_until_complete(runtime.close())
            loop.close()
            self._opened = None

    def _open(self) -> tuple[asyncio.AbstractEventLoop, Runtime]:
        """Open once per process; a forked child or a pool without process signals opens anew."""
        if self._opened is None or self._pid != os.getpid():
            loop = asyncio.new_event_loop()
            runtime = Runtime(get_settings())
            loop.run_until_complete(runtime.open())
            self._opened, self._pid = (loop, runtime), os.getpid()
            logger.info("worker process %s: data layer connected", self._pid)
        return self._opened


runtime = WorkerRuntime()


@celeryd_init.connect
def _a_node_name_of_its_own(sender: str, instance: Any, **_: Any) -> None:
    """Without `--hostname` a worker is `celery@<host>`, and a second one on the same host and
    broker (another service's, or this one's) stops at once: the name's control queue is taken.
    It is `<queue>-<pid>@<host>` instead. Deployments name theirs (one per container, whose
    host name is its own), and their probes ping that name."""
    if sender == default_nodename(None):
        queue = celery_app.conf.task_default_queue
        instance.hostname = f"{queue}-{os.getpid()}@{gethostname()}"


@setup_logging.connect
def _log_like_the_api(loglevel: str | int | None = None, **_: Any) -> None:
    """The service's log format (JSON lines by default) instead of Celery's own."""
    settings = get_settings()
    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    configure_logging(level or settings.log_level, settings.log_format)


@worker_process_init.connect
def _open_data_layer(**_: Any) -> None:
    runtime.start()


@worker_process_shutdown.connect
@worker_shutdown.connect
def _close_data_layer(**_: Any) -> None:
    runtime.stop()
