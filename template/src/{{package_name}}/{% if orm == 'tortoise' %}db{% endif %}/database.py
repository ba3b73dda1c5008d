"""Tortoise's lifecycle and the units of work the API and the background jobs use.

The pool holds up to `DATABASE_POOL_SIZE` connections; every unit of work is bounded by
`DATABASE_TIMEOUT_SECONDS`, which is also each statement's timeout on the client and the
server, so a stalled database is answered with 503, never a hang.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from aerich import Command
from tortoise import connections
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.exceptions import DBConnectionError
from tortoise.transactions import in_transaction

from ..changes import AfterCommit
from ..data import DatabaseUnavailable
from ..settings import Settings
from ..unavailable import again_while_gone, unavailable_reason
from .config import APP, tortoise_config
from .repository import Unit

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Database:
    """Tortoise keeps one ORM context per process: `connect()` opens it for every task (requests
    run in other tasks than the lifespan), `disconnect()` closes it. `transaction()` commits before
    the caller's block is left; `autocommit()` and `reader()` run each statement on its own
    pooled connection. Changes are published to `after_commit` once committed."""

    def __init__(self, settings: Settings) -> None:
        self.config = tortoise_config(settings)
        self.is_embedded = self.config["connections"]["default"]["engine"].endswith("sqlite")
        self._timeout = settings.database_timeout_seconds
        self._orm = RegisterTortoise(config=self.config)
        # Units of work take turns in arrival order: the pool's own queue lets a newcomer take a
        # connection ahead of those already waiting, which made a latency tail of seconds.
        self._turns = asyncio.Semaphore(settings.database_pool_size)
        # After a restart every pooled connection is gone before the pool hears of it: a unit of
        # work tries as many as the pool holds, and a fresh one (`unavailable.never_ran`).
        self._tries = settings.database_pool_size + 1
        self.after_commit = AfterCommit()

    async def connect(self) -> None:
        """The embedded SQLite database is migrated here, so that a first run needs no set-up;
        PostgreSQL is migrated by `aerich upgrade`, once per deployment, not per worker."""
        await self._orm.init_orm()
        if self.is_embedded:
            await self.migrate()

    async def disconnect(self) -> None:
        await self._orm.close_orm()

    async def migrate(self) -> None:
        command = Command(self.config, app=APP, location=str(MIGRATIONS_DIR))
        await command.init()
        await command.upgrade(run_in_transaction=True)

    async def pending_migrations(self) -> list[str]:
        """The migrations the database has not applied yet; empty when it is up to date."""
        async with self._bounded():
            command = Command(self.config, app=APP, location=str(MIGRATIONS_DIR))
            await command.init()
            return [str(name) for name in await command.heads()]

    async def ping(self) -> None:
        """A read of Aerich's table: it waits on a lock like a request would, and fails on a
        database that was never migrated."""
        async with self._bounded():
            default = connections.get("default")
            await again_while_gone(
                lambda: default.execute_query('SELECT 1 FROM "aerich" LIMIT 1'), tries=self._tries
            )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Unit]:
        async with self._bounded(), AsyncExitStack() as stack:
            connection = await again_while_gone(
                lambda: stack.enter_async_context(in_transaction("default")), tries=self._tries
            )
            unit = Unit(connection)
            yield unit
        await self.after_commit.publish(unit.changes)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Unit]:
        unit = Unit(connections.get("default"), tries=self._tries)
        try:
            async with self._bounded():
                yield unit
        finally:  # each statement committed on its own: what was written is published
            await self.after_commit.publish(unit.changes)

    reader = autocommit

    @asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        """The unit of work within the timeout; an unavailable database becomes
        `DatabaseUnavailable`."""
        try:
            async with asyncio.timeout(self._timeout), self._turns:
                yield
        except DatabaseUnavailable:
            raise
        except Exception as error:
            reason = unavailable_reason(error, also=(DBConnectionError,))
            if reason is None:
                raise
            raise DatabaseUnavailable(f"the database is unavailable: {reason}") from error
