"""What every resource's request and response shapes share. What the OpenAPI document publishes
is what the server enforces: a client generated from it gets no surprises.

`Schema` is strict: `true` is not an integer, `"5"` is not a number, `5` is not a string. JSON
has no dates, times or UUIDs, so those fields take `Timestamp`, `Day` and `Uuid` from here,
which read JSON's strings (ISO 8601, canonical UUIDs).
"""

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    WithJsonSchema,
)

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers in every supported database; larger values are refused with 422."""


class Schema(BaseModel):
    """The base of every request body: strict types, unknown fields refused, text trimmed."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)


def storable_text(value: str) -> str:
    """PostgreSQL cannot store NUL in text, and a lone surrogate is not UTF-8: refused here
    instead of failing in the driver."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


StorableText = Annotated[str, AfterValidator(storable_text)]
ShortText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable_text)]
LongText = Annotated[str, Field(max_length=10_000), AfterValidator(storable_text)]
Int32 = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]
Reference = Annotated[int, Field(ge=1, le=MAX_ID, description="The id of a row it refers to")]


def _text_of(kind: type, example: str) -> Any:
    """Lax parsing of JSON's strings only: pydantic would also read `1` as a time in 1970."""

    def check(value: Any) -> Any:
        if isinstance(value, str | kind):
            return value
        raise ValueError(f"must be a string, e.g. {example}")

    return BeforeValidator(check)


Timestamp = Annotated[datetime, _text_of(datetime, "2026-01-31T12:00:00Z"), Field(strict=False)]
Day = Annotated[date, _text_of(date, "2026-01-31"), Field(strict=False)]
Uuid = Annotated[UUID, _text_of(UUID, "0b7e9c1e-5f4c-4d2e-9f0a-2c1d3e4f5a6b"), Field(strict=False)]

AMOUNT_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"
_AMOUNT_TEXT = re.compile(AMOUNT_PATTERN)
MAX_AMOUNT = Decimal("9999999999.99")


def _amount_input(value: Any) -> Any:
    """A JSON number, or a string of digits with at most two decimals; not `true`, nor what
    `Decimal` would also read (`"1e3"`, `"NaN"`)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number, e.g. 12.50")
    if isinstance(value, str) and not _AMOUNT_TEXT.match(value):
        raise ValueError("must be a number with at most two decimals, e.g. 12.50")
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount_input),
    Field(
        ge=-MAX_AMOUNT,
        le=MAX_AMOUNT,
        max_digits=12,
        decimal_places=2,
        allow_inf_nan=False,
        strict=False,
    ),
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "minimum": -float(MAX_AMOUNT),
                    "maximum": float(MAX_AMOUNT),
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": "A number with at most two decimals.",
            "examples": [12.5, "12.50"],
        },
        mode="validation",
    ),
]
"""A decimal with two places (12 digits in all): read from a JSON number or string, answered as
a number."""
JsonObject = dict[str, JsonValue]
"""A JSON object (a JSON array or string is refused: what a client sends is a document)."""


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


StoredJson = Annotated[JsonObject, BeforeValidator(_parsed)]
"""A `JsonObject` as read from the database, which may answer its text."""
StoredAmount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""An `Amount` as read from the database."""


def id_path(resource: str) -> object:
    """The path parameter of one row's id, e.g. `Annotated[int, id_path("item")]`."""
    return Path(ge=1, le=MAX_ID, description=f"The {resource}'s id")
