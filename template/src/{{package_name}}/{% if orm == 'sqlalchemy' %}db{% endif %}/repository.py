"""`ItemRepository` on one connection, with SQLAlchemy Core statements built once: no ORM
session, identity map or unit-of-work bookkeeping on a path that only moves rows in and out.
The connection's transaction belongs to the caller (see `Database`)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..changes import Change
from ..clock import utcnow
from ..repository import ConflictError
from ..schemas import ItemCreate, ItemRead
from .models import Item

ITEMS = Item.metadata.tables[Item.__tablename__]
COLUMNS = tuple(ITEMS.c[name] for name in ItemRead.model_fields)
BY_ID = ITEMS.c.id == bindparam("item_id")

GET = select(*COLUMNS).where(BY_ID)
PAGE = select(*COLUMNS).order_by(ITEMS.c.id).limit(bindparam("limit")).offset(bindparam("offset"))
COUNT = select(func.count()).select_from(ITEMS)
INSERT = insert(ITEMS).returning(*COLUMNS)
DELETE = delete(ITEMS).where(BY_ID).returning(ITEMS.c.id)
MARK_PROCESSED = (
    update(ITEMS)
    .where(BY_ID, ITEMS.c.processed_at.is_(None))
    .values(processed_at=bindparam("at"))
    .returning(ITEMS.c.id)
)
EXISTS = select(ITEMS.c.id).where(BY_ID)
PENDING = (
    select(ITEMS.c.id)
    .where(ITEMS.c.processed_at.is_(None), ITEMS.c.created_at < bindparam("older_than"))
    .order_by(ITEMS.c.id)
    .limit(bindparam("limit"))
)


def _item(row: Row[Any]) -> ItemRead:
    # The row's types are the model's (Numeric → Decimal, UTC-aware datetimes): nothing to
    # validate again.
    return ItemRead.model_construct(**row._mapping)


def _name_taken(name: object) -> ConflictError:
    return ConflictError(f"an item named {name!r} already exists")


class SqlAlchemyItemRepository:
    def __init__(self, connection: AsyncConnection, changes: list[Change]) -> None:
        self._connection = connection
        self._changes = changes

    async def add(self, data: ItemCreate) -> ItemRead:
        values = {**data.model_dump(), "created_at": utcnow()}
        try:
            row = (await self._connection.execute(INSERT, values)).one()
        except IntegrityError as error:
            raise _name_taken(data.name) from error
        self._changes.append(Change("items", row.id, "created"))
        return _item(row)

    async def get(self, item_id: int) -> ItemRead | None:
        row = (await self._connection.execute(GET, {"item_id": item_id})).first()
        return None if row is None else _item(row)

    async def page(self, *, limit: int, offset: int) -> tuple[list[ItemRead], int]:
        rows = await self._connection.execute(PAGE, {"limit": limit, "offset": offset})
        total = await self._connection.scalar(COUNT)
        return [_item(row) for row in rows], total or 0

    async def update(self, item_id: int, changes: Mapping[str, Any]) -> ItemRead | None:
        if not changes:
            return await self.get(item_id)
        statement = update(ITEMS).where(ITEMS.c.id == item_id).values(**changes)
        try:
            row = (await self._connection.execute(statement.returning(*COLUMNS))).first()
        except IntegrityError as error:
            raise _name_taken(changes.get("name")) from error
        if row is None:
            return None
        self._changes.append(Change("items", item_id, "updated"))
        return _item(row)

    async def delete(self, item_id: int) -> bool:
        row = (await self._connection.execute(DELETE, {"item_id": item_id})).first()
        if row is not None:
            self._changes.append(Change("items", item_id, "deleted"))
        return row is not None

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        marked = await self._connection.execute(MARK_PROCESSED, {"item_id": item_id, "at": at})
        if marked.first() is not None:
            self._changes.append(Change("items", item_id, "processed"))
            return True
        # Already processed by an earlier run (jobs are delivered at least once), or deleted.
        return (await self._connection.execute(EXISTS, {"item_id": item_id})).first() is not None

    async def pending(self, *, older_than: datetime, limit: int) -> list[int]:
        rows = await self._connection.execute(PENDING, {"older_than": older_than, "limit": limit})
        return [row.id for row in rows]
