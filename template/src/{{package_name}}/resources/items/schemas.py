"""The items resource's request and response shapes, the same for every data layer."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict from 3.12 on only

from ...api.fields import Schema, StoredAmount, Timestamp, TwoDecimals, storable_text

Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable_text)]
Description = Annotated[str, Field(max_length=2000), AfterValidator(storable_text)]
Price = Annotated[
    Decimal,
    TwoDecimals(8, negative=False, description="At most 99999999.99, with at most two decimals."),
]


class ItemCreate(Schema):
    name: Name
    description: Description | None = None
    price: Price


class ItemUpdate(TypedDict, total=False):
    """A partial update: only the fields present in the request body change. `name` and `price`
    cannot be null; `description` can, which clears it."""

    __pydantic_config__ = Schema.model_config  # type: ignore[misc]

    name: Name
    description: Description | None
    price: Price


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    price: StoredAmount
    created_at: Timestamp
    updated_at: Timestamp
    processed_at: Timestamp | None


Processing = Literal["queued", "pending"]
"""`pending`: the job could not be queued yet (broker down); the pending sweep queues it again."""


class ItemCreated(ItemRead):
    processing: Processing


class ProcessingStatus(BaseModel):
    id: int
    processing: Processing


class ItemPage(BaseModel):
    items: list[ItemRead]
    total: int | None  # null past LIST_COUNT_LIMIT rows
    limit: int
    offset: int
    next_cursor: str | None
