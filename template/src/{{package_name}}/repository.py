"""The seam between the API and the data layer: what every ORM implementation provides.

`db.Database` (one implementation per ORM) hands out an `ItemRepository` inside a unit of work:
`transaction()` commits when the block ends and rolls back when it raises, so a handler's write is
durable before its response is sent; `reader()` serves reads without holding a transaction open.
"""

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from .schemas import ItemCreate, ItemRead


class ConflictError(Exception):
    """A write broke a uniqueness rule; the API answers 409 with this message."""


class ItemRepository(Protocol):
    async def add(self, data: ItemCreate) -> ItemRead:
        """Store a new item; raises `ConflictError` when the name is taken."""

    async def get(self, item_id: int) -> ItemRead | None: ...

    async def page(self, *, limit: int, offset: int) -> tuple[list[ItemRead], int]:
        """One page ordered by id, and the total number of items."""

    async def update(self, item_id: int, changes: Mapping[str, Any]) -> ItemRead | None:
        """Apply `changes`; `None` when the item does not exist, `ConflictError` on a taken name."""

    async def delete(self, item_id: int) -> bool: ...

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        """Record that the item's background job ran; `False` when the item is gone."""


class DataStore(Protocol):
    """Lifecycle and units of work of a data layer; created once per process in the lifespan."""

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def migrate(self) -> None:
        """Bring the schema to the latest migration."""

    async def ping(self) -> None:
        """Round-trip to the database; raises when it is unreachable."""

    def transaction(self) -> AbstractAsyncContextManager[ItemRepository]: ...

    def reader(self) -> AbstractAsyncContextManager[ItemRepository]: ...
