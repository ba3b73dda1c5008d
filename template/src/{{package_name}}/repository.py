"""The seam between the API and the data layer: what every ORM implementation provides.

`db.Database` (one implementation per ORM) hands out an `ItemRepository` inside a unit of work:

- `transaction()`: several statements that succeed or fail together; committed when the block
  ends, rolled back when it raises.
- `autocommit()`: each repository call is one statement that commits on its own: the cheapest
  way to make a single write durable before the response is sent.
- `reader()`: reads (an `ItemReader`), with no transaction held open.

Every repository write records a `Change`; the data layer publishes them once committed. A
database that is down, stalled or out of connections raises `DatabaseUnavailable` (the API
answers 503) within `DATABASE_TIMEOUT_SECONDS`, never a hang.
"""

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from .changes import AfterCommit
from .schemas import ItemCreate, ItemRead


class ConflictError(Exception):
    """A write broke a uniqueness rule; the API answers 409 with this message."""


class DatabaseUnavailable(Exception):
    """The database did not answer in time, refused, or dropped the connection: worth another
    try later. Carries a short reason, never an address."""


class ItemReader(Protocol):
    async def get(self, item_id: int) -> ItemRead | None: ...

    async def page(self, *, limit: int, offset: int) -> tuple[list[ItemRead], int]:
        """One page ordered by id, and the total number of items."""

    async def pending(self, *, older_than: datetime, limit: int) -> list[int]:
        """Ids of items whose job has not run and that were created before `older_than`."""


class ItemRepository(ItemReader, Protocol):
    async def add(self, data: ItemCreate) -> ItemRead:
        """Store a new item; raises `ConflictError` when the name is taken."""

    async def update(self, item_id: int, changes: Mapping[str, Any]) -> ItemRead | None:
        """Apply `changes`; `None` when the item does not exist, `ConflictError` on a taken name."""

    async def delete(self, item_id: int) -> bool: ...

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        """Record that the item's background job ran, once: a second run keeps the first time.
        `False` when the item is gone."""


class DataStore(Protocol):
    """Lifecycle and units of work of a data layer; created once per process in the lifespan."""

    after_commit: AfterCommit

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def migrate(self) -> None:
        """Bring the schema to the latest migration."""

    async def pending_migrations(self) -> list[str]:
        """The migrations the database has not applied yet; empty when it is up to date."""

    async def ping(self) -> None:
        """Read the items table; raises when the database is unreachable, stalled or not
        migrated."""

    def transaction(self) -> AbstractAsyncContextManager[ItemRepository]: ...

    def autocommit(self) -> AbstractAsyncContextManager[ItemRepository]: ...

    def reader(self) -> AbstractAsyncContextManager[ItemReader]: ...
