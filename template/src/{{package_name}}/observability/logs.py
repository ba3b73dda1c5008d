"""Application logs: JSON lines by default (one object per event, for log pipelines), or a
readable console format for development (`LOG_FORMAT=console`). Every line written while a
request is being handled, or by the background work it scheduled, carries its request id, and
the fields other concerns add with `log_field` (traces add their `trace_id`).

Hand-written rather than a logging library: a formatter and a filter on the standard `logging`
module are all it takes for the service's own events. The one access line per request has a
writer of its own (`AccessLog`): through `logging` it cost about 60 µs per request, almost as
much as a FastAPI hello world; written directly it costs a few (measured with bench/).
"""

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The current request's id; set by the request middleware, copied into tasks it schedules."""

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_SKIPPED = _STANDARD | {"color_message"}  # uvicorn's copy of the message with terminal colours
_HANDLER_NAME = "service"
_fields: dict[str, Callable[[], str | None]] = {}


def log_field(name: str, value: Callable[[], str | None]) -> None:
    """Every line from now on carries `name`, read from `value()` as it is written (left out
    when `None`)."""
    _fields[name] = value


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        for name, value in _fields.items():
            if not hasattr(record, name):
                setattr(record, name, value())
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _SKIPPED and value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{text} [{rid}]" if rid else text


def configure_logging(level: str, log_format: str = "json") -> None:
    """Idempotent: the service's one handler on the root logger; the servers' own loggers
    (Granian's, and uvicorn's in development) write through it, and their access logs are off:
    the app writes one access line per request itself."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else ConsoleFormatter())
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("_granian", "uvicorn", "uvicorn.error"):
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    logging.getLogger("granian.access").disabled = True
    logging.getLogger("uvicorn.access").disabled = True


def _extra_fields() -> str:
    if not _fields:
        return ""
    values = ((name, value()) for name, value in _fields.items())
    return "".join(f", {json.dumps(name)}: {json.dumps(v)}" for name, v in values if v is not None)


class AccessLog:
    """Writes one line per request in the service's log format, to standard error, like every
    other log line. Lines wait in a small buffer, written at most `FLUSH_SECONDS` later and in
    writes of at most `PIPE_BUF` bytes that end on a line, so that the lines of several worker
    processes sharing one pipe never interleave."""

    FLUSH_SECONDS = 0.05
    PIPE_BUF = 4096

    def __init__(self, log_format: str = "json", *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.sink: Callable[[bytes], object] = lambda data: os.write(2, data)
        self._json = log_format == "json"
        self._pending: list[str] = []
        self._size = 0
        self._flush_scheduled = False
        self._second = -1
        self._stamp = ""

    def write(self, method: str, route: str, status: int, millis: float, rid: str) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        stamp = f"{self._stamp}.{int((now - second) * 1000):03d}"
        if self._json:  # every value is known to need no escaping: ids are checked, routes ours
            line = (
                f'{{"time": "{stamp}Z", "level": "INFO", "logger": "access", '
                f'"message": "{method} {route} {status} {millis}ms", "method": "{method}", '
                f'"route": "{route}", "status": {status}, "duration_ms": {millis}, '
                f'"request_id": "{rid}"{_extra_fields()}}}\n'
            )
        else:
            when = stamp.replace("T", " ")
            line = f"{when} INFO    access {method} {route} {status} {millis}ms [{rid}]\n"
        self._pending.append(line)
        self._size += len(line)
        if self._size >= self.PIPE_BUF:
            self.flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            try:
                asyncio.get_running_loop().call_later(self.FLUSH_SECONDS, self.flush)
            except RuntimeError:  # no loop: write now
                self.flush()

    def flush(self) -> None:
        self._flush_scheduled = False
        chunk: list[str] = []
        size = 0
        for line in self._pending:
            if chunk and size + len(line) > self.PIPE_BUF:
                self.sink("".join(chunk).encode())
                chunk, size = [], 0
            chunk.append(line)
            size += len(line)
        if chunk:
            self.sink("".join(chunk).encode())
        self._pending.clear()
        self._size = 0
