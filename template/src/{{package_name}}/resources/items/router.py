"""The items resource. Each handler opens its own unit of work, so that a write is committed
before the response is sent and the connection is back in the pool while the client reads it.
What the options add (cache invalidation, metrics) follows every committed write by itself."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status

from ...api.conditional import IfMatch
from ...api.deps import DatabaseDep, JobsDep
from ...api.errors import error_responses
from ...api.feeds import add_live_feed
from ...api.fields import id_path
from ...api.lists import ListRequest, list_parameters
from ...api.paths import V1
from ...api.policy import admins_only
from ...api.routes import ResourceRoute
from ...cache.policy import cacheable
from .jobs import PROCESS_ITEM
from .repository import ItemRepository
from .schemas import (
    ItemCreate,
    ItemCreated,
    ItemPage,
    ItemRead,
    ItemUpdate,
    ProcessingStatus,
)

router = APIRouter(prefix=f"{V1}/items", tags=["items"], route_class=ResourceRoute)
NAME_TAKEN = {409: "The name is taken by another item"}
STILL_REFERRED = {409: "Other rows still refer to the item"}

ItemId = Annotated[int, id_path("item")]
Listed = Annotated[ListRequest, Depends(list_parameters(ItemCreate, ItemRepository.listed_by))]


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"item {item_id} not found")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 409, 413, 422, 503, meaning=NAME_TAKEN),
)
async def create_item(payload: ItemCreate, database: DatabaseDep, jobs: JobsDep) -> ItemCreated:
    """Create an item. It is stored before the answer is sent; its background job then sets
    `processed_at`. `processing` is `queued` when the job was handed over at once, `pending`
    when it could not be (the task broker was down): it is then queued again automatically."""
    async with database.transaction() as unit:  # the row and its event, together
        item = await ItemRepository(unit).add(payload)
    queued = await jobs.later(PROCESS_ITEM, item.id)
    return ItemCreated.model_construct(**dict(item), processing="queued" if queued else "pending")


@router.post(
    "/{item_id}/process",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(404, 422, 503, resource="item"),
)
@admins_only
async def process_item_again(
    item_id: ItemId, database: DatabaseDep, jobs: JobsDep
) -> ProcessingStatus:
    """Queue the item's job again, an operator's tool: items whose job did not run are found
    and queued again by the service itself. The job is idempotent."""
    async with database.reader() as unit:
        item = await ItemRepository(unit).get(item_id)
    if item is None:
        raise _not_found(item_id)
    if not await jobs.later(PROCESS_ITEM, item_id):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"the task broker is unavailable; item {item_id} is still pending",
            headers={"Retry-After": "5"},
        )
    return ProcessingStatus(id=item_id, processing="queued")


@router.get("", responses=error_responses(422, 503))
async def list_items(database: DatabaseDep, listed: Listed) -> ItemPage:
    """One page of items, filtered and sorted as the parameters say (by id without `sort`), with
    their total number (null past `LIST_COUNT_LIMIT`) and `next_cursor`, which the next page
    starts from."""
    async with database.reader() as unit:
        page = await ItemRepository(unit).page(listed.query)
    return ItemPage.model_construct(items=page.rows, **listed.answer(page))


@router.get("/{item_id}", responses=error_responses(404, 422, 503, resource="item"))
@cacheable("items:{item_id}")
async def get_item(item_id: ItemId, database: DatabaseDep) -> ItemRead:
    """One item, with its `ETag` (`If-None-Match` with it answers 304). With a cache configured,
    answered from it when possible (`X-Cache: hit`)."""
    async with database.reader() as unit:
        item = await ItemRepository(unit).get(item_id)
    if item is None:
        raise _not_found(item_id)
    return item


@router.patch(
    "/{item_id}",
    responses=error_responses(
        400, 404, 409, 412, 413, 422, 503, resource="item", meaning=NAME_TAKEN
    ),
)
async def update_item(
    item_id: ItemId, payload: ItemUpdate, database: DatabaseDep, if_match: IfMatch
) -> ItemRead:
    """Change the fields present in the body; the others keep their values. `name` and `price`
    cannot be null; a null `description` clears it. With `If-Match`, only if the item is still
    the version of that `ETag` (else 412)."""
    async with database.transaction() as unit:
        item = await ItemRepository(unit).update(item_id, payload, expected=if_match)
    if item is None:
        raise _not_found(item_id)
    return item


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409, 412, 422, 503, resource="item", meaning=STILL_REFERRED),
)
async def delete_item(item_id: ItemId, database: DatabaseDep, if_match: IfMatch) -> Response:
    """Delete an item; refused with 409 while other rows refer to it. With `If-Match`, only if
    it is still the version of that `ETag` (else 412)."""
    async with database.transaction() as unit:
        deleted = await ItemRepository(unit).delete(item_id, expected=if_match)
    if not deleted:
        raise _not_found(item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


add_live_feed(router, "items")
