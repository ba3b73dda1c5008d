"""The orders resource: each handler opens its own unit of work."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from ...api.deps import DatabaseDep
from ...api.paths import V1
from ...cache_policy import CachingRoute, cacheable
from ...errors import error_responses
from ...fields import MAX_ID, id_path
from .repository import OrderRepository
from .schemas import OrderCreate, OrderPage, OrderRead, OrderUpdate

router = APIRouter(prefix=f"{V1}/orders", tags=["orders"], route_class=CachingRoute)
NO_ITEM = {422: "The request is malformed, or names an item that does not exist"}

OrderId = Annotated[int, id_path("order")]


def _not_found(order_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"order {order_id} not found")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 413, 422, 503, meaning=NO_ITEM),
)
async def create_order(payload: OrderCreate, database: DatabaseDep) -> OrderRead:
    """Order an item."""
    async with database.autocommit() as unit:
        return await OrderRepository(unit).add(payload)


@router.get("", responses=error_responses(422, 503))
async def list_orders(
    database: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Orders per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID, description="Orders to skip")] = 0,
) -> OrderPage:
    """One page of orders in id order, with the total number of orders."""
    async with database.reader() as unit:
        page, total = await OrderRepository(unit).page(limit=limit, offset=offset)
    return OrderPage.model_construct(orders=page, total=total, limit=limit, offset=offset)


@router.get("/{order_id}", responses=error_responses(404, 422, 503, resource="order"))
@cacheable("orders:{order_id}")
async def get_order(order_id: OrderId, database: DatabaseDep) -> OrderRead:
    """One order."""
    async with database.reader() as unit:
        order = await OrderRepository(unit).get(order_id)
    if order is None:
        raise _not_found(order_id)
    return order


@router.patch("/{order_id}", responses=error_responses(400, 404, 413, 422, 503, resource="order"))
async def update_order(order_id: OrderId, payload: OrderUpdate, database: DatabaseDep) -> OrderRead:
    """Change the fields present in the body; the others keep their values."""
    async with database.transaction() as unit:
        order = await OrderRepository(unit).update(order_id, payload)
    if order is None:
        raise _not_found(order_id)
    return order


@router.delete(
    "/{order_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 422, 503, resource="order"),
)
async def delete_order(order_id: OrderId, database: DatabaseDep) -> Response:
    """Delete an order."""
    async with database.autocommit() as unit:
        deleted = await OrderRepository(unit).delete(order_id)
    if not deleted:
        raise _not_found(order_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
