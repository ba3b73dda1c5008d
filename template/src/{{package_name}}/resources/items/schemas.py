"""The items resource's request and response shapes, the same for every data layer."""

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict from 3.12 on only

from ...fields import Schema, Timestamp, storable_text

MAX_PRICE = Decimal("99999999.99")
PRICE_PATTERN = r"^(-0(\.0{1,2})?|[0-9]{1,8}(\.[0-9]{1,2})?)$"
"""Digits with at most two decimals; `-0` is read as 0."""
_PRICE_TEXT = re.compile(PRICE_PATTERN)


def _price_input(value: Any) -> Any:
    """A JSON number, or a string of digits with at most two decimals; nothing else that
    `Decimal` would also read (`"1e3"`, `"NaN"`, `" 1 "`)."""
    if isinstance(value, str) and not _PRICE_TEXT.match(value):
        raise ValueError("must be a number with at most two decimals, e.g. 12.50")
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


def _no_negative_zero(value: Decimal) -> Decimal:
    return abs(value) if value.is_zero() else value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable_text)]
Description = Annotated[str, Field(max_length=2000), AfterValidator(storable_text)]
Price = Annotated[
    Decimal,
    BeforeValidator(_price_input),
    # JSON numbers and strings of digits: `strict=False` lets `Decimal` read both.
    Field(ge=0, le=MAX_PRICE, max_digits=10, decimal_places=2, allow_inf_nan=False, strict=False),
    AfterValidator(_no_negative_zero),
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(MAX_PRICE), "multipleOf": 0.01},
                {"type": "string", "pattern": PRICE_PATTERN},
            ],
            "description": "At most 99999999.99, with at most two decimals.",
            "examples": [12.5, "12.50"],
        },
        mode="validation",
    ),
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
    price: Annotated[
        Decimal,
        AfterValidator(_no_negative_zero),
        PlainSerializer(float, return_type=float, when_used="json"),
    ]
    created_at: Timestamp
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
    total: int
    limit: int
    offset: int
