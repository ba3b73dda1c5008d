"""What every resource's request and response shapes share. What the OpenAPI document publishes
is what the server enforces: a client generated from it gets no surprises.

`Schema` is strict: `true` is not an integer, `"5"` is not a number, `5` is not a string. JSON
has no dates, times or UUIDs, so those fields take `Timestamp`, `Day` and `Uuid` from here,
which read JSON's strings (ISO 8601, canonical UUIDs).
"""

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from annotated_types import GroupedMetadata
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


EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def _in_utc(value: datetime) -> datetime:
    """Times are stored in UTC: one needs its zone, and its UTC time must lie strictly within the
    years 1 to 9999 (asyncpg writes those two ends themselves as -infinity and infinity)."""
    if value.tzinfo is None:
        raise ValueError("must have a time zone, e.g. 2026-01-31T12:00:00Z")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = EARLIEST if value.year == 1 else LATEST
    if not EARLIEST < in_utc < LATEST:
        raise ValueError("must lie within the years 1 to 9999 in UTC")
    return in_utc


Timestamp = Annotated[
    datetime,
    _text_of(datetime, "2026-01-31T12:00:00Z"),
    Field(strict=False),
    AfterValidator(_in_utc),
]
Day = Annotated[date, _text_of(date, "2026-01-31"), Field(strict=False)]
Uuid = Annotated[UUID, _text_of(UUID, "0b7e9c1e-5f4c-4d2e-9f0a-2c1d3e4f5a6b"), Field(strict=False)]


def _no_negative_zero(value: Decimal) -> Decimal:
    return abs(value) if value.is_zero() else value


@dataclass(frozen=True)
class TwoDecimals(GroupedMetadata):
    """A decimal with at most two places and `integer_digits` before them, read from a JSON
    number or a string of digits and answered as a number: `Annotated[Decimal, TwoDecimals(8)]`.
    Refused: `true`, and what `Decimal` would also read (`"1e3"`, `"NaN"`, `" 1 "`). Without
    `negative`, `-0` is still read, as 0."""

    integer_digits: int
    negative: bool = True
    description: str = "A number with at most two decimals."

    def __iter__(self) -> Iterator[Any]:
        largest = Decimal(10**self.integer_digits) - Decimal("0.01")
        digits = rf"[0-9]{{1,{self.integer_digits}}}(\.[0-9]{{1,2}})?"
        pattern = rf"^-?{digits}$" if self.negative else rf"^(-0(\.0{{1,2}})?|{digits})$"
        text = re.compile(pattern)

        def read(value: Any) -> Any:
            if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
                raise ValueError("must be a number, e.g. 12.50")
            if isinstance(value, str) and not text.match(value):
                raise ValueError("must be a number with at most two decimals, e.g. 12.50")
            return value

        yield BeforeValidator(read)
        # JSON numbers and strings of digits: `strict=False` lets `Decimal` read both.
        yield Field(
            ge=-largest if self.negative else 0,
            le=largest,
            max_digits=self.integer_digits + 2,
            decimal_places=2,
            allow_inf_nan=False,
            strict=False,
        )
        yield AfterValidator(_no_negative_zero)
        yield PlainSerializer(float, return_type=float, when_used="json")
        number = {
            "type": "number",
            "minimum": -float(largest) if self.negative else 0,
            "maximum": float(largest),
            "multipleOf": 0.01,
        }
        yield WithJsonSchema(
            {
                "anyOf": [number, {"type": "string", "pattern": pattern}],
                "description": self.description,
                "examples": [12.5, "12.50"],
            },
            mode="validation",
        )


Amount = Annotated[Decimal, TwoDecimals(10)]
"""A decimal with two places (12 digits in all): read from a JSON number or string, answered as
a number."""


def _storable_json(document: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """What PostgreSQL's jsonb can hold, checked everywhere alike: no NaN or infinity (JSON has
    none; `1e400` reads as infinity), and text, keys included, as `storable_text` wants it."""
    pending: list[JsonValue] = [document]
    while pending:  # not recursive: a deeply nested document must not exhaust the stack
        value = pending.pop()
        if isinstance(value, dict):
            for key in value:
                storable_text(key)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            storable_text(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must not contain a number too large for JSON (or NaN)")
    return document


JsonObject = Annotated[dict[str, JsonValue], AfterValidator(_storable_json)]
"""A JSON object (a JSON array or string is refused: what a client sends is a document)."""


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


StoredJson = Annotated[dict[str, JsonValue], BeforeValidator(_parsed)]
"""A `JsonObject` as read from the database, which may answer its text."""
StoredAmount = Annotated[
    Decimal,
    AfterValidator(_no_negative_zero),
    PlainSerializer(float, return_type=float, when_used="json"),
]
"""An `Amount` as read from the database."""


def id_path(resource: str) -> object:
    """The path parameter of one row's id, e.g. `Annotated[int, id_path("item")]`."""
    return Path(ge=1, le=MAX_ID, description=f"The {resource}'s id")
