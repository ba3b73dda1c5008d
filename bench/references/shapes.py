"""The request and response bodies every reference shares with the rendered service."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Price = Annotated[
    Decimal,
    Field(ge=0, max_digits=10, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    price: Price


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    price: Price
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    limit: int
    offset: int
