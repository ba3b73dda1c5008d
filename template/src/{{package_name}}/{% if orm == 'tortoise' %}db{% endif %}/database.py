"""Tortoise's lifecycle and the units of work the API and the background jobs use."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aerich import Command
from tortoise import connections
from tortoise.contrib.fastapi import RegisterTortoise
from tortoise.transactions import in_transaction

from ..settings import Settings
from .config import APP, tortoise_config
from .repository import TortoiseItemRepository

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Database:
    """Tortoise keeps one ORM context per process: `connect()` opens it for every task (requests
    run in other tasks than the lifespan), `disconnect()` closes it. `transaction()` commits before
    the caller's block is left; `reader()` reads on the pool without a transaction."""

    def __init__(self, settings: Settings) -> None:
        self.config = tortoise_config(settings)
        self.is_embedded = self.config["connections"]["default"]["engine"].endswith("sqlite")
        self._orm = RegisterTortoise(config=self.config)

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

    async def ping(self) -> None:
        await connections.get("default").execute_query("SELECT 1")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[TortoiseItemRepository]:
        async with in_transaction("default") as connection:
            yield TortoiseItemRepository(connection)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[TortoiseItemRepository]:
        yield TortoiseItemRepository(connections.get("default"))
