"""`ItemRepository` on one Tortoise connection; its transaction belongs to the caller."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from ..repository import ConflictError
from ..schemas import ItemCreate, ItemRead
from .models import Item


def _name_taken(name: object) -> ConflictError:
    return ConflictError(f"an item named {name!r} already exists")


class TortoiseItemRepository:
    def __init__(self, connection: BaseDBAsyncClient) -> None:
        self._connection = connection

    async def add(self, data: ItemCreate) -> ItemRead:
        try:
            item = await Item.create(using_db=self._connection, **data.model_dump())
        except IntegrityError as error:
            raise _name_taken(data.name) from error
        return ItemRead.model_validate(item)

    async def get(self, item_id: int) -> ItemRead | None:
        item = await Item.get_or_none(id=item_id, using_db=self._connection)
        return None if item is None else ItemRead.model_validate(item)

    async def page(self, *, limit: int, offset: int) -> tuple[list[ItemRead], int]:
        items = Item.all(using_db=self._connection)
        rows = await items.order_by("id").offset(offset).limit(limit)
        total = await items.count()
        return [ItemRead.model_validate(row) for row in rows], total

    async def update(self, item_id: int, changes: Mapping[str, Any]) -> ItemRead | None:
        matching = Item.filter(id=item_id).using_db(self._connection)
        if changes:
            try:
                await matching.update(**changes)
            except IntegrityError as error:
                raise _name_taken(changes.get("name")) from error
        item = await matching.first()
        return None if item is None else ItemRead.model_validate(item)

    async def delete(self, item_id: int) -> bool:
        deleted: int = await Item.filter(id=item_id).using_db(self._connection).delete()
        return deleted > 0

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        matching = Item.filter(id=item_id).using_db(self._connection)
        updated: int = await matching.update(processed_at=at)
        return updated > 0
