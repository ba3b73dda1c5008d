"""The two backends a rendered project's suite runs on.

- `embedded`: no service URL in the environment, so the project uses its embedded defaults
  (SQLite, fakeredis, kombu's file-system broker).
- `real`: the services on loopback: a fresh PostgreSQL database per run, a Redis logical
  database, RabbitMQ. A service that does not answer is an error naming it, never a silent
  fallback to the embedded default.

Which services a project needs is read from its own `.env.example`, the list of its settings.
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BACKENDS = ("real", "embedded")

POSTGRES_ADMIN_URL = os.environ.get(
    "ASYNCFORGE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_HOST_URL = os.environ.get("ASYNCFORGE_REDIS_URL", "redis://127.0.0.1:6379")
RABBITMQ_URL = os.environ.get("ASYNCFORGE_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


class ServiceMissing(Exception):
    """A real service the run needs does not answer."""


def reachable(url: str, default_port: int, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "localhost", parts.port or default_port), timeout=timeout
        ):
            return True
    except OSError:
        return False


def _psql(url: str, sql: str) -> str:
    completed = subprocess.run(
        ["psql", url, "--quiet", "--no-psqlrc", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return completed.stdout


def postgres_unavailable_reason() -> str | None:
    """Why a fresh PostgreSQL database cannot be had here, or `None` when it can."""
    if shutil.which("psql") is None:
        return "psql is not installed"
    if not reachable(POSTGRES_ADMIN_URL, 5432):
        return f"PostgreSQL does not answer at {POSTGRES_ADMIN_URL}"
    return None


def create_postgres_database(prefix: str) -> str:
    """A new, empty database; returns its URL. Callers drop it with `drop_postgres_database`."""
    name = f"{prefix.replace('-', '_').replace('.', '_')}_{secrets.token_hex(4)}"[-63:]
    _psql(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    _psql(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_names(url: str) -> set[str]:
    listed = _psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return set(listed.split())


_SETTING = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)


def settings_of(project: Path) -> dict[str, tuple[str, bool]]:
    """`.env.example`'s settings: name → (example value, whether it is commented out)."""
    example = project / ".env.example"
    text = example.read_text() if example.is_file() else ""
    return {m[2]: (m[3].strip(), bool(m[1])) for m in _SETTING.finditer(text)}


@contextmanager
def real_services(project: Path, name: str, *, slot: int) -> Iterator[dict[str, str]]:
    """The environment pointing `project`'s suite at the real services: a fresh PostgreSQL
    database (dropped afterwards), Redis logical database `slot` when it reads `REDIS_URL`, and
    RabbitMQ when it names a broker of its own (with Redis on, the broker defaults to Redis)."""
    wanted = settings_of(project)
    environment: dict[str, str] = {}
    if (reason := postgres_unavailable_reason()) is not None:
        raise ServiceMissing(f"real backend: {reason}; start it (see .ci/run) or use embedded")
    if "REDIS_URL" in wanted:
        if not reachable(REDIS_HOST_URL, 6379):
            raise ServiceMissing(f"real backend: Redis does not answer at {REDIS_HOST_URL}")
        environment["REDIS_URL"] = f"{REDIS_HOST_URL.rstrip('/')}/{slot % 16}"
    broker = wanted.get("CELERY_BROKER_URL")
    if broker is not None and not broker[1]:
        if not reachable(RABBITMQ_URL, 5672):
            raise ServiceMissing(f"real backend: RabbitMQ does not answer at {RABBITMQ_URL}")
        environment["CELERY_BROKER_URL"] = RABBITMQ_URL
    database = create_postgres_database(f"af_{name}")
    environment["DATABASE_URL"] = database
    try:
        yield environment
    finally:
        drop_postgres_database(database)


@contextmanager
def backend_environment(
    backend: str, project: Path, name: str, *, slot: int
) -> Iterator[dict[str, str]]:
    if backend == "embedded":
        yield {}
    elif backend == "real":
        with real_services(project, name, slot=slot) as environment:
            yield environment
    else:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
