"""The engine's lifecycle and the units of work the API and the background jobs use."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from ..settings import Settings
from .repository import SqlAlchemyItemRepository

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_url(database_url: str) -> URL:
    """Accept the usual spellings (`postgres://`, `postgresql://`, `sqlite://`), async drivers."""
    url = make_url(database_url)
    return url.set(drivername=_ASYNC_DRIVERS.get(url.drivername, url.drivername))


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets readers proceed during a write; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _upgrade_to_head(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


class Database:
    """One engine per process. `transaction()` commits before the caller's block is left;
    `reader()` runs on an AUTOCOMMIT view of the same pool, so reads send no BEGIN/ROLLBACK."""

    def __init__(self, settings: Settings) -> None:
        self.url = async_url(settings.database_url)
        self.is_embedded = self.url.get_backend_name() == "sqlite"
        self.engine = create_async_engine(
            self.url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_size,
            connect_args={"timeout": settings.database_timeout_seconds},
        )
        if self.is_embedded:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self._read_engine, expire_on_commit=False)

    async def connect(self) -> None:
        """The embedded SQLite database is migrated here, so that a first run needs no set-up;
        PostgreSQL is migrated by `alembic upgrade head`, once per deployment, not per worker."""
        if self.is_embedded:
            await self.migrate()

    async def disconnect(self) -> None:
        await self.engine.dispose()

    async def migrate(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade_to_head)

    async def ping(self) -> None:
        async with self._read_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlAlchemyItemRepository]:
        async with self._sessions() as session, session.begin():
            yield SqlAlchemyItemRepository(session)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[SqlAlchemyItemRepository]:
        async with self._read_sessions() as session:
            yield SqlAlchemyItemRepository(session)
