"""The orders resource's request and response shapes."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from ...fields import MAX_ID, Schema, Timestamp

ItemId = Annotated[int, Field(ge=1, le=MAX_ID, description="The ordered item's id")]
Quantity = Annotated[int, Field(ge=1, le=10_000)]
Status = Literal["open", "shipped", "cancelled"]


class OrderCreate(Schema):
    item_id: ItemId
    quantity: Quantity
    status: Status = "open"


class OrderUpdate(TypedDict, total=False):
    """A partial update: only the fields present in the request body change."""

    __pydantic_config__ = Schema.model_config  # type: ignore[misc]

    quantity: Quantity
    status: Status


class OrderRead(BaseModel):
    id: int
    item_id: int
    quantity: int
    status: str
    created_at: Timestamp


class OrderPage(BaseModel):
    orders: list[OrderRead]
    total: int
    limit: int
    offset: int
