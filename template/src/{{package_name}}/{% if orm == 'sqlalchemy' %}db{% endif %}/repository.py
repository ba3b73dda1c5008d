"""`ItemRepository` with SQLAlchemy Core statements built once, run by one of two executors:

- `AsyncpgStatements` on PostgreSQL: each statement is compiled once for asyncpg and sent to the
  driver connection itself. Measured with bench/ and tests: an insert cost about 690 µs of CPU
  through SQLAlchemy's async execution (`AsyncConnection.execute`, its greenlet and execution
  context) and about 100 µs this way; a read 500 and 95.
- `SqlAlchemyStatements` elsewhere (the embedded SQLite): SQLAlchemy's own async execution.

No ORM session, identity map or unit-of-work bookkeeping either: the path only moves rows in and
out. The connection's transaction belongs to the caller (see `Database`). Write new statements
the same way (module-level Core statements, `self._run.row(...)`): both executors run them.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import asyncpg
from sqlalchemy import Dialect, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

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
COUNT = select(func.count().label("total")).select_from(ITEMS)
INSERT = (
    insert(ITEMS)
    .values({column.name: bindparam(column.name) for column in COLUMNS[1:]})
    .returning(*COLUMNS)
)
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
_UPDATES: dict[tuple[str, ...], Any] = {}


def update_of(columns: tuple[str, ...]) -> Any:
    """The statement that changes these columns, built once per set of columns."""
    statement = _UPDATES.get(columns)
    if statement is None:
        values: dict[str, Any] = {name: bindparam(name) for name in columns}
        statement = update(ITEMS).where(BY_ID).values(values).returning(*COLUMNS)
        _UPDATES[columns] = statement
    return statement


Row = Mapping[Any, Any]


class Duplicate(Exception):
    """A write broke a uniqueness rule (whichever driver said so)."""


class Statements(Protocol):
    """Runs a Core statement with named parameters."""

    async def row(self, statement: Any, **params: Any) -> Row | None: ...

    async def rows(self, statement: Any, **params: Any) -> list[Row]: ...


class SqlAlchemyStatements:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def row(self, statement: Any, **params: Any) -> Row | None:
        try:
            result = await self._connection.execute(statement, params)
        except IntegrityError as error:
            raise Duplicate from error
        return result.mappings().first() if result.returns_rows else None

    async def rows(self, statement: Any, **params: Any) -> list[Row]:
        return list((await self._connection.execute(statement, params)).mappings())


class Compiled:
    """Each statement's SQL for asyncpg (`$1`, `$2`) and the names of its parameters in order,
    compiled on first use. Statements are module-level objects: kept by identity."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._sql: dict[int, tuple[str, tuple[str, ...]]] = {}

    def __call__(self, statement: ClauseElement) -> tuple[str, tuple[str, ...]]:
        found = self._sql.get(id(statement))
        if found is None:
            compiled = statement.compile(dialect=self._dialect)
            found = (compiled.string, tuple(getattr(compiled, "positiontup", None) or ()))
            self._sql[id(statement)] = found
        return found


class AsyncpgStatements:
    def __init__(self, connection: asyncpg.Connection, compiled: Compiled) -> None:
        self._connection = connection
        self._compiled = compiled

    async def row(self, statement: Any, **params: Any) -> Row | None:
        sql, names = self._compiled(statement)
        try:
            row: Row | None = await self._connection.fetchrow(
                sql, *(params[name] for name in names)
            )
        except asyncpg.UniqueViolationError as error:
            raise Duplicate from error
        return row

    async def rows(self, statement: Any, **params: Any) -> list[Row]:
        sql, names = self._compiled(statement)
        rows: list[Row] = await self._connection.fetch(sql, *(params[name] for name in names))
        return rows


def _item(row: Row) -> ItemRead:
    # Either driver returns the model's types (Decimal, UTC-aware datetimes): nothing to
    # validate again.
    return ItemRead.model_construct(**row)


def _name_taken(name: object) -> ConflictError:
    return ConflictError(f"an item named {name!r} already exists")


class SqlAlchemyItemRepository:
    def __init__(self, run: Statements, changes: list[Change]) -> None:
        self._run = run
        self._changes = changes

    async def add(self, data: ItemCreate) -> ItemRead:
        values = {**data.model_dump(), "created_at": utcnow(), "processed_at": None}
        try:
            row = await self._run.row(INSERT, **values)
        except Duplicate as error:
            raise _name_taken(data.name) from error
        assert row is not None
        self._changes.append(Change("items", row["id"], "created"))
        return _item(row)

    async def get(self, item_id: int) -> ItemRead | None:
        row = await self._run.row(GET, item_id=item_id)
        return None if row is None else _item(row)

    async def page(self, *, limit: int, offset: int) -> tuple[list[ItemRead], int]:
        rows = await self._run.rows(PAGE, limit=limit, offset=offset)
        counted = await self._run.row(COUNT)
        return [_item(row) for row in rows], counted["total"] if counted else 0

    async def update(self, item_id: int, changes: Mapping[str, Any]) -> ItemRead | None:
        if not changes:
            return await self.get(item_id)
        statement = update_of(tuple(sorted(changes)))
        try:
            row = await self._run.row(statement, item_id=item_id, **changes)
        except Duplicate as error:
            raise _name_taken(changes.get("name")) from error
        if row is None:
            return None
        self._changes.append(Change("items", item_id, "updated"))
        return _item(row)

    async def delete(self, item_id: int) -> bool:
        row = await self._run.row(DELETE, item_id=item_id)
        if row is not None:
            self._changes.append(Change("items", item_id, "deleted"))
        return row is not None

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        if await self._run.row(MARK_PROCESSED, item_id=item_id, at=at) is not None:
            self._changes.append(Change("items", item_id, "processed"))
            return True
        # Already processed by an earlier run (jobs are delivered at least once), or deleted.
        return await self._run.row(EXISTS, item_id=item_id) is not None

    async def pending(self, *, older_than: datetime, limit: int) -> list[int]:
        rows = await self._run.rows(PENDING, older_than=older_than, limit=limit)
        return [row["id"] for row in rows]
