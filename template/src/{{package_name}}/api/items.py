"""The items resource. Each handler opens its unit of work itself, so that a write is committed
before the response is sent and the connection is back in the pool while the client reads it."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from ..jobs import ItemJobsDep
from ..schemas import MAX_ITEM_ID, ItemCreate, ItemPage, ItemRead, ItemUpdate
from .deps import DatabaseDep

router = APIRouter(prefix="/items", tags=["items"])

ItemId = Annotated[int, Path(ge=1, le=MAX_ITEM_ID, description="The item's id")]


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"item {item_id} not found")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_item(payload: ItemCreate, database: DatabaseDep, jobs: ItemJobsDep) -> ItemRead:
    async with database.transaction() as items:
        item = await items.add(payload)
    await jobs.process_later(item.id)
    return item


@router.get("")
async def list_items(
    database: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ITEM_ID)] = 0,
) -> ItemPage:
    async with database.reader() as items:
        page, total = await items.page(limit=limit, offset=offset)
    return ItemPage(items=page, total=total, limit=limit, offset=offset)


@router.get("/{item_id}")
async def get_item(item_id: ItemId, database: DatabaseDep) -> ItemRead:
    async with database.reader() as items:
        item = await items.get(item_id)
    if item is None:
        raise _not_found(item_id)
    return item


@router.patch("/{item_id}")
async def update_item(item_id: ItemId, payload: ItemUpdate, database: DatabaseDep) -> ItemRead:
    changes = payload.model_dump(exclude_unset=True)
    async with database.transaction() as items:
        item = await items.update(item_id, changes)
    if item is None:
        raise _not_found(item_id)
    return item


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: ItemId, database: DatabaseDep) -> Response:
    async with database.transaction() as items:
        deleted = await items.delete(item_id)
    if not deleted:
        raise _not_found(item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
