"""The API's request and response shapes, shared by every data layer."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

MAX_ITEM_ID = 2**31 - 1
"""Ids are 32-bit integers in every supported database; larger values are refused with 422."""


def _reject_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it here instead of failing in the driver.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_reject_nul)]
Description = Annotated[str, Field(max_length=2000), AfterValidator(_reject_nul)]
Price = Annotated[
    Decimal,
    Field(ge=0, max_digits=10, decimal_places=2, allow_inf_nan=False),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    description: Description | None = None
    price: Price


class ItemUpdate(BaseModel):
    """A partial update: only the fields present in the request body change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    description: Description | None = None
    price: Price | None = None

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> Self:
        nulled = [
            field
            for field in ("name", "price")
            if field in self.model_fields_set and getattr(self, field) is None
        ]
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    price: Price
    created_at: datetime
    processed_at: datetime | None


Processing = Literal["queued", "pending"]
"""`pending`: the job could not be queued (broker down); `POST .../process` queues it again."""


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
