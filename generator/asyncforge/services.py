"""The real services the rendered projects' tests use, when they answer on loopback."""

import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

POSTGRES_ADMIN_URL = os.environ.get(
    "ASYNCFORGE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_HOST_URL = os.environ.get("ASYNCFORGE_REDIS_URL", "redis://127.0.0.1:6379")
RABBITMQ_URL = os.environ.get("ASYNCFORGE_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


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
    name = f"{prefix.replace('-', '_')}_{secrets.token_hex(4)}"[:63]
    _psql(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    _psql(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_names(url: str) -> set[str]:
    listed = _psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return set(listed.split())


def redis_url(logical_db: int) -> str | None:
    """A Redis URL on its own logical database (0-15), or `None` when Redis does not answer."""
    if not reachable(REDIS_HOST_URL, 6379):
        return None
    return f"{REDIS_HOST_URL.rstrip('/')}/{logical_db % 16}"


def rabbitmq_url() -> str | None:
    return RABBITMQ_URL if reachable(RABBITMQ_URL, 5672) else None


@contextmanager
def real_services(
    name: str, *, redis: bool, celery: bool, slot: int
) -> Iterator[tuple[dict[str, str], list[str]]]:
    """The environment pointing a project's tests at the real services (a fresh PostgreSQL
    database, Redis logical database `slot`, the broker), and a note for each one that is not
    reachable, whose embedded fallback the project's tests then use."""
    environment: dict[str, str] = {}
    missing: list[str] = []
    database = None
    if (reason := postgres_unavailable_reason()) is None:
        database = create_postgres_database(f"af_{name}")
        environment["DATABASE_URL"] = database
    else:
        missing.append(f"database: {reason}")
    if redis:
        if (url := redis_url(slot)) is not None:
            environment["REDIS_URL"] = url
        else:
            missing.append(f"redis: nothing answers at {REDIS_HOST_URL}")
    if celery:
        broker = environment.get("REDIS_URL") if redis else rabbitmq_url()
        if broker is not None:
            environment["CELERY_BROKER_URL"] = broker
        else:
            missing.append("broker: " + ("no Redis" if redis else f"nothing at {RABBITMQ_URL}"))
    try:
        yield environment, missing
    finally:
        if database is not None:
            drop_postgres_database(database)
