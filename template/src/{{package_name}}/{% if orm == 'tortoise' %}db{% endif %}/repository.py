"""`ItemRepository` on one Tortoise connection; its transaction belongs to the caller.

The statements of the hot paths are written out in SQL and sent on Tortoise's connection:
building a QuerySet and a model instance per call cost more than the statement itself
(measured with bench/: `get_or_none` took 1.7 times as long as the same SELECT on the same
connection, `Item.create` plus a `filter().update()` job about 1.5 times an INSERT ... RETURNING
and an UPDATE). Changes of several fields at once (PATCH) go through the ORM.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from ..changes import Change
from ..clock import utcnow
from ..repository import ConflictError
from ..schemas import ItemCreate, ItemRead
from .models import Item

COLUMNS = ", ".join(f'"{name}"' for name in ItemRead.model_fields)
WRITTEN = ", ".join(f'"{name}"' for name in ("name", "description", "price", "created_at"))


def _for_each_dialect(postgres: str) -> dict[str, str]:
    """The statement with PostgreSQL's `$1, $2` placeholders and SQLite's `?`."""
    return {"postgres": postgres, "sqlite": re.sub(r"\$\d+", "?", postgres)}


GET = _for_each_dialect(f'SELECT {COLUMNS} FROM "items" WHERE "id" = $1')
PAGE = _for_each_dialect(f'SELECT {COLUMNS} FROM "items" ORDER BY "id" LIMIT $1 OFFSET $2')
COUNT = _for_each_dialect('SELECT COUNT(*) AS "total" FROM "items"')
INSERT = _for_each_dialect(
    f'INSERT INTO "items" ({WRITTEN}) VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}'
)
DELETE = _for_each_dialect('DELETE FROM "items" WHERE "id" = $1 RETURNING "id"')
MARK_PROCESSED = _for_each_dialect(
    'UPDATE "items" SET "processed_at" = $1 WHERE "id" = $2 AND "processed_at" IS NULL '
    'RETURNING "id"'
)
EXISTS = _for_each_dialect('SELECT "id" FROM "items" WHERE "id" = $1')
PENDING = _for_each_dialect(
    'SELECT "id" FROM "items" WHERE "processed_at" IS NULL AND "created_at" < $1 '
    'ORDER BY "id" LIMIT $2'
)


def _sqlite_value(value: Any) -> Any:
    """What Tortoise itself stores on SQLite: decimals and datetimes as text."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    return value


def _name_taken(name: object) -> ConflictError:
    return ConflictError(f"an item named {name!r} already exists")


class TortoiseItemRepository:
    def __init__(self, connection: BaseDBAsyncClient, changes: list[Change]) -> None:
        self._connection = connection
        self._changes = changes
        self._dialect = connection.capabilities.dialect

    def _item(self, row: dict[str, Any]) -> ItemRead:
        # asyncpg returns the model's types; SQLite returns text that pydantic must read.
        if self._dialect == "postgres":
            return ItemRead.model_construct(**row)
        return ItemRead.model_validate(row)

    async def _rows(self, statement: dict[str, str], *values: Any) -> list[dict[str, Any]]:
        if self._dialect == "sqlite":
            values = tuple(_sqlite_value(value) for value in values)
        return await self._connection.execute_query_dict(statement[self._dialect], list(values))

    async def add(self, data: ItemCreate) -> ItemRead:
        values = (data.name, data.description, data.price, utcnow())
        try:
            [row] = await self._rows(INSERT, *values)
        except IntegrityError as error:
            raise _name_taken(data.name) from error
        self._changes.append(Change("items", row["id"], "created"))
        return self._item(row)

    async def get(self, item_id: int) -> ItemRead | None:
        rows = await self._rows(GET, item_id)
        return self._item(rows[0]) if rows else None

    async def page(self, *, limit: int, offset: int) -> tuple[list[ItemRead], int]:
        rows = await self._rows(PAGE, limit, offset)
        [counted] = await self._rows(COUNT)
        return [self._item(row) for row in rows], counted["total"]

    async def update(self, item_id: int, changes: Mapping[str, Any]) -> ItemRead | None:
        matching = Item.filter(id=item_id).using_db(self._connection)
        if changes:
            try:
                updated = await matching.update(**changes)
            except IntegrityError as error:
                raise _name_taken(changes.get("name")) from error
            if updated:
                self._changes.append(Change("items", item_id, "updated"))
        return await self.get(item_id)

    async def delete(self, item_id: int) -> bool:
        deleted = bool(await self._rows(DELETE, item_id))
        if deleted:
            self._changes.append(Change("items", item_id, "deleted"))
        return deleted

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        if await self._rows(MARK_PROCESSED, at, item_id):
            self._changes.append(Change("items", item_id, "processed"))
            return True
        # Already processed by an earlier run (jobs are delivered at least once), or deleted.
        return bool(await self._rows(EXISTS, item_id))

    async def pending(self, *, older_than: datetime, limit: int) -> list[int]:
        return [row["id"] for row in await self._rows(PENDING, older_than, limit)]
