"""`ItemRepository` on an `AsyncSession`; the session's transaction belongs to the caller."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..repository import ConflictError
from ..schemas import ItemCreate, ItemRead
from .models import Item


def _name_taken(name: object) -> ConflictError:
    return ConflictError(f"an item named {name!r} already exists")


class SqlAlchemyItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, data: ItemCreate) -> ItemRead:
        item = Item(**data.model_dump())
        self._session.add(item)
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise _name_taken(data.name) from error
        return ItemRead.model_validate(item)

    async def get(self, item_id: int) -> ItemRead | None:
        item = await self._session.get(Item, item_id)
        return None if item is None else ItemRead.model_validate(item)

    async def page(self, *, limit: int, offset: int) -> tuple[list[ItemRead], int]:
        query = select(Item).order_by(Item.id).limit(limit).offset(offset)
        rows = await self._session.scalars(query)
        total = await self._session.scalar(select(func.count()).select_from(Item))
        return [ItemRead.model_validate(row) for row in rows], total or 0

    async def update(self, item_id: int, changes: Mapping[str, Any]) -> ItemRead | None:
        item = await self._session.get(Item, item_id, with_for_update=True)
        if item is None:
            return None
        for field, value in changes.items():
            setattr(item, field, value)
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise _name_taken(changes.get("name")) from error
        return ItemRead.model_validate(item)

    async def delete(self, item_id: int) -> bool:
        result = await self._session.execute(delete(Item).where(Item.id == item_id))
        return bool(getattr(result, "rowcount", 0))

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        result = await self._session.execute(
            update(Item).where(Item.id == item_id).values(processed_at=at)
        )
        return bool(getattr(result, "rowcount", 0))
