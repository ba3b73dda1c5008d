"""What every resource's request and response shapes share. What the OpenAPI document publishes
is what the server enforces: a client generated from it gets no surprises.

`Schema` is strict: `true` is not an integer, `"5"` is not a number, `5` is not a string. JSON
has no dates, times or UUIDs, so those fields take `Timestamp`, `Day` and `Uuid` from here,
which read JSON's strings (ISO 8601, canonical UUIDs).
"""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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
Timestamp = Annotated[datetime, Field(strict=False)]
Day = Annotated[date, Field(strict=False)]
Uuid = Annotated[UUID, Field(strict=False)]


def id_path(resource: str) -> object:
    """The path parameter of one row's id, e.g. `Annotated[int, id_path("item")]`."""
    return Path(ge=1, le=MAX_ID, description=f"The {resource}'s id")
