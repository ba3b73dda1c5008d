"""The engine's lifecycle and the units of work the API and the background jobs use.

Sized for a steady load: `DATABASE_POOL_SIZE` connections and no overflow, so that a burst
waits its turn (at most `DATABASE_TIMEOUT_SECONDS`, then 503) instead of opening and closing
connections; the pool never churns. Every unit of work is bounded by the same timeout, which is
also each statement's timeout on the server.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from asyncpg.transaction import Transaction
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ..changes import AfterCommit
from ..data import DatabaseUnavailable
from ..settings import Settings
from ..unavailable import again_while_gone, unavailable_reason
from .repository import Unit
from .statements import AsyncpgStatements, Compiled, SqlAlchemyStatements, Statements

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
ALEMBIC_VERSION = text("SELECT version_num FROM alembic_version LIMIT 1")

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


def _replace_closed_connection(dbapi_connection: Any, *_: Any) -> None:
    """A pooled connection the server has closed (a restart, `pg_terminate_backend`) is swapped
    for a new one when it is checked out: no request fails on it, and no round trip is spent on
    a pre-ping for the connections that are fine."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _connect_args(url: URL, settings: Settings) -> dict[str, Any]:
    seconds = settings.database_timeout_seconds
    if url.get_backend_name() == "sqlite":
        return {"timeout": seconds}  # how long a writer waits for SQLite's lock
    arguments: dict[str, Any] = {
        "timeout": seconds,  # connecting
        "command_timeout": seconds,  # any statement, on the client: it then cancels it
        "server_settings": {"application_name": settings.app_name},
    }
    if settings.database_pooler == "pgbouncer":
        # Each transaction may run on another server connection: asyncpg's cache of named
        # statements would name statements that connection never saw, and SQLAlchemy's would
        # reuse a name another client already prepared there.
        arguments["statement_cache_size"] = 0
        arguments["prepared_statement_cache_size"] = 0
        arguments["prepared_statement_name_func"] = _unique_statement_name
    else:  # the server gives up as well (PgBouncer refuses this startup parameter)
        arguments["server_settings"]["statement_timeout"] = str(int(seconds * 1000))
    return arguments


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


# Alembic is imported where it is used: an API process on PostgreSQL never migrates (that is
# `alembic upgrade head` and `wait_for_migrations`, processes of their own), and with Mako it
# weighs on every worker's memory (bench/README.md). Imported after logging is set up, it would
# announce each of its plugins at INFO.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _alembic_config(connection: Connection) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade_to_head(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(connection), "head")


def _unapplied(connection: Connection) -> list[str]:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_alembic_config(connection))
    applied = set(MigrationContext.configure(connection).get_current_heads())
    if applied >= set(scripts.get_heads()):
        return []
    behind = scripts.iterate_revisions(tuple(scripts.get_heads()), tuple(applied) or "base")
    return sorted(revision.revision for revision in behind if revision.revision not in applied)


class _Borrowed:
    """The asyncpg connection of one unit of work, checked out of SQLAlchemy's pool."""

    def __init__(self, engine: AsyncEngine, tries: int) -> None:
        self._engine = engine
        self.tries = tries
        """Connections to try where pooled ones turn out to be gone (`unavailable.never_ran`)."""
        self._pooled: Any = None
        self.driver: asyncpg.Connection

    async def checkout(self) -> asyncpg.Connection:
        self._pooled = await self._engine.raw_connection()
        self.driver = self._pooled.driver_connection
        return self.driver

    async def renew(self, gone: BaseException) -> asyncpg.Connection:
        """A fresh connection for one that turned out to be gone."""
        self.invalidate(gone)
        self.release()
        return await self.checkout()

    async def begin(self) -> Transaction:
        """A transaction, begun again on a fresh connection when the pooled one is gone."""

        async def start() -> Transaction:
            transaction = self.driver.transaction()
            await transaction.start()
            return transaction

        return await again_while_gone(start, self.renew, tries=self.tries)

    def invalidate(self, error: BaseException) -> None:
        if self._pooled is not None:
            self._pooled.invalidate(error if isinstance(error, Exception) else None)

    def release(self) -> None:
        if self._pooled is not None:
            self._pooled.close()
            self._pooled = None


class Database:
    """One engine per process, its pool shared by every unit of work. `transaction()` commits
    before the caller's block is left; `autocommit()` and `reader()` send no BEGIN/COMMIT.
    Changes are published to `after_commit` once committed. On PostgreSQL the statements run on
    asyncpg's own connection (see `repository`); SQLAlchemy keeps the pool, the schema and the
    migrations."""

    def __init__(self, settings: Settings) -> None:
        self.url = async_url(settings.database_url)
        self.is_embedded = self.url.get_backend_name() == "sqlite"
        self._timeout = settings.database_timeout_seconds
        # After a restart every pooled connection is gone before the pool hears of it: a unit of
        # work tries as many as the pool holds, and a fresh one (`unavailable.never_ran`).
        self._tries = settings.database_pool_size + 1
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=settings.database_pool_size,
            max_overflow=0,
            pool_timeout=self._timeout,
            connect_args=_connect_args(self.url, settings),
        )
        if self.is_embedded:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine, "checkout", _replace_closed_connection)
        self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        on_asyncpg = self.url.drivername.endswith("asyncpg")
        self._compiled = Compiled(self.engine.dialect) if on_asyncpg else None
        # Units of work take turns in arrival order: the pool's own queue lets a newcomer take a
        # connection ahead of those already waiting, which made a latency tail of seconds.
        self._turns = asyncio.Semaphore(settings.database_pool_size)
        self.after_commit = AfterCommit()

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

    async def pending_migrations(self) -> list[str]:
        """The migrations the database has not applied yet; empty when it is up to date."""
        try:
            async with asyncio.timeout(self._timeout), self.engine.connect() as connection:
                return await connection.run_sync(_unapplied)
        except Exception as error:
            unavailable = self._unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error

    def observe_pool(self, checked_out: Callable[[], None], checked_in: Callable[[], None]) -> None:
        """Call `checked_out` and `checked_in` as connections leave and return to the pool."""
        event.listen(self.engine.sync_engine, "checkout", lambda *_: checked_out())
        event.listen(self.engine.sync_engine, "checkin", lambda *_: checked_in())

    async def ping(self) -> None:
        """A read of Alembic's version table: it waits on a lock like a request would, and
        fails on a database that was never migrated."""
        async with self._unit(begin=False) as run:
            await run.row(ALEMBIC_VERSION)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Unit]:
        async with self._unit(begin=True) as run:
            unit = Unit(run)
            yield unit
        await self.after_commit.publish(unit.changes)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Unit]:
        unit: Unit | None = None
        try:
            async with self._unit(begin=False) as run:
                unit = Unit(run)
                yield unit
        finally:  # each statement committed on its own: what was written is published
            if unit is not None:
                await self.after_commit.publish(unit.changes)

    reader = autocommit

    @asynccontextmanager
    async def _unit(self, *, begin: bool) -> AsyncIterator[Statements]:
        """A connection for one unit of work, in its turn and within the timeout; a database
        that is unavailable becomes `DatabaseUnavailable`."""
        try:
            async with asyncio.timeout(self._timeout), self._turns:
                if self._compiled is None:
                    opened = self.engine.begin() if begin else self._autocommit_engine.connect()
                    async with opened as connection:
                        yield SqlAlchemyStatements(connection)
                else:
                    async with self._driver(begin=begin) as statements:
                        yield statements
        except DatabaseUnavailable:
            raise
        except Exception as error:
            unavailable = self._unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error

    @asynccontextmanager
    async def _driver(self, *, begin: bool) -> AsyncIterator[Statements]:
        """asyncpg's own connection, borrowed from SQLAlchemy's pool (see `repository`). One
        that turns out to be gone before anything ran on it is swapped for a fresh one
        (`unavailable.never_ran`): at BEGIN in a transaction, at any statement outside one."""
        assert self._compiled is not None
        borrowed = _Borrowed(self.engine, tries=self._tries)
        try:
            driver = await borrowed.checkout()
            if not begin:
                yield AsyncpgStatements(
                    driver, self._compiled, renew=borrowed.renew, tries=borrowed.tries
                )
                return
            transaction = await borrowed.begin()
            try:
                yield AsyncpgStatements(borrowed.driver, self._compiled)
            except BaseException:
                with contextlib.suppress(Exception):  # a lost connection is invalidated below
                    await transaction.rollback()
                raise
            await transaction.commit()
        except BaseException as error:
            if unavailable_reason(error) or isinstance(error, asyncio.CancelledError):
                borrowed.invalidate(error)
            raise
        finally:
            borrowed.release()  # back to the pool: nothing of the unit of work is left open

    @staticmethod
    def _unavailable(error: Exception) -> DatabaseUnavailable | None:
        """`DatabaseUnavailable` when the database failed to serve; `None` when the error is
        about something else (a bug, a conflict, the caller's own exception)."""
        reason = unavailable_reason(error, also=(PoolTimeoutError,))
        if reason is None and getattr(error, "connection_invalidated", False):
            reason = "connection lost"
        if reason is None:
            return None
        return DatabaseUnavailable(f"the database is unavailable: {reason}")
