"""A list's query parameters, as the contract names them, read into a `db.lists.ListQuery`:

    GET /api/v1/orders?status=open&quantity__gte=2&customer_id__in=3,4&sort=-quantity&limit=50
    GET /api/v1/orders?status=open&sort=-quantity&cursor=<the last page's next_cursor>

A resource lists the fields it may be filtered and sorted by once, in its repository's
`listed_by` (each leads an index, which the repository checks), and its router takes
`Annotated[ListRequest, Depends(list_parameters(Create, Repository.listed_by))]`: one query
parameter per field and operator, each typed in the OpenAPI document as its field is in request
bodies. Anything else (an unknown parameter, field or operator, a value of the wrong type) is a
422 naming it, never silently ignored.

Operators: `FIELD=` on every listed field; `__gt`, `__gte`, `__lt`, `__lte` on numbers, days and
times; `__in=a,b` on text, integers, UUIDs and references; `__isnull=true|false` on optional
fields.

`include=customer` embeds the row a reference refers to (the read schema's `customer`), in one
statement per name whatever the page's size (`Repository.include`).

A cursor is the sort values of a page's last row, with a digest of them and of the query it was
made for (its filters and sort): another query, or a cursor altered, is a 422. It needs no
secret: a position forged on purpose still only pages through what the query may see, since the
filters and the caller's access apply to every page.
"""

import base64
import hashlib
import inspect
import json
import types
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python

from ..db.lists import OPERATORS, ORDERED_OPERATORS, Condition, ListQuery, Operator, Page, SortKey
from .fields import MAX_ID, Timestamp

MAX_IN_VALUES = 100
MAX_CURSOR_CHARACTERS = 2000
KeyValue = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]
"""An id or reference as a filter reads it: any 32-bit integer (the columns' range)."""
_ORDERED = (int, Decimal, date, datetime)
_IN = (str, int, UUID)
_WORDS = {
    "eq": "equal to",
    "gt": "greater than",
    "gte": "at least",
    "lt": "less than",
    "lte": "at most",
}


@dataclass(frozen=True, slots=True)
class _Listed:
    """One field a list may be filtered and sorted by."""

    name: str
    annotation: Any
    """What one value reads as (the field's type in request bodies, without `None`)."""
    base: type
    optional: bool
    value: TypeAdapter[Any] = field(init=False)
    """Reads one value of `__in` (made once: an adapter costs more to make than to use)."""
    stored: TypeAdapter[Any] = field(init=False)
    """Reads a cursor's value back, as it was stored."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", TypeAdapter(self.annotation))
        object.__setattr__(self, "stored", TypeAdapter(self.base))

    @property
    def operators(self) -> list[Operator]:
        found: list[Operator] = ["eq"]
        if issubclass(self.base, _ORDERED) and self.base is not bool:
            found += ORDERED_OPERATORS
        if issubclass(self.base, _IN) and self.base is not bool:
            found.append("in")
        if self.optional:
            found.append("isnull")
        return found


def _unwrapped(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `None`, and whether it allowed `None`."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [member for member in get_args(annotation) if member is not type(None)]
        return members[0], len(members) < len(get_args(annotation))
    return annotation, False


def _base(annotation: Any) -> type:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    assert isinstance(annotation, type), annotation
    return annotation


def _listed(name: str, bodies: type[BaseModel]) -> _Listed:
    """A listed field, typed as a request body types it; those the service sets (the id, the
    owner, the times of creation and of the last change) as the service writes them."""
    if name == "id" or name == "owner_id":
        return _Listed(name, KeyValue, int, False)
    if name in ("created_at", "updated_at"):
        return _Listed(name, Timestamp, datetime, False)
    declared = bodies.model_fields[name]
    value, optional = _unwrapped(declared.annotation)
    if declared.metadata:  # pydantic keeps `Annotated`'s metadata apart, outside a union
        value = Annotated[(value, *declared.metadata)]
    return _Listed(name, value, _base(value), optional)


def _parameter(name: str, annotation: Any, description: str) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[annotation | None, Query(description=description)],
    )


def _invalid(name: str, message: str, value: Any) -> RequestValidationError:
    excerpt = value if isinstance(value, str) else None
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", name), "msg": message, "input": excerpt}]
    )


class _Cursor:
    """Encodes a page's last row as `next_cursor`, and reads it back for the same query."""

    def __init__(self, fields: dict[str, _Listed]) -> None:
        self._fields = fields

    @staticmethod
    def _digest(payload: bytes, query: ListQuery) -> str:
        made_for = repr((query.conditions, query.sort)).encode()
        digest = hashlib.blake2b(payload + b"\0" + made_for, digest_size=12).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def encode(self, last: tuple[Any, ...], query: ListQuery) -> str:
        payload = json.dumps(to_jsonable_python(last), separators=(",", ":")).encode()
        text = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{text}.{self._digest(payload, query)}"

    def decode(self, cursor: str, query: ListQuery) -> tuple[Any, ...]:
        refused = _invalid(
            "cursor",
            "not a cursor of this list: use next_cursor as it was given, with the same filters "
            "and sort",
            cursor,
        )
        text, _, digest = cursor.partition(".")
        try:
            payload = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except ValueError:
            raise refused from None
        if digest != self._digest(payload, query):
            raise refused
        values = json.loads(payload)
        order = query.order
        if not isinstance(values, list) or len(values) != len(order):
            raise refused
        read: list[Any] = []
        for key, value in zip(order, values, strict=True):
            listed = self._fields[key.field]
            if value is None and listed.optional:
                read.append(None)
                continue
            try:
                read.append(listed.stored.validate_python(value, strict=False))
            except ValidationError:
                raise refused from None
        return tuple(read)


@dataclass(frozen=True, slots=True)
class ListRequest:
    """A list's parameters as read: the query for the repository, what to embed in its rows,
    and what the answer says."""

    query: ListQuery
    _cursor: _Cursor
    include: tuple[str, ...] = ()

    def answer(self, page: Page[Any]) -> dict[str, Any]:
        """The page answer's fields besides its rows."""
        last = page.last
        return {
            "total": page.total,
            "limit": self.query.limit,
            "offset": self.query.offset,
            "next_cursor": None if last is None else self._cursor.encode(last, self.query),
        }


def list_parameters(
    bodies: type[BaseModel], listed_by: Sequence[str], includes: Collection[str] = ()
) -> Callable[..., Awaitable[ListRequest]]:
    """The dependency that reads a list's parameters; `bodies` (the resource's create schema)
    says each listed field's type; `includes`, what `include=` may embed."""
    fields = {name: _listed(name, bodies) for name in listed_by}
    cursor = _Cursor(fields)
    sortable = ", ".join(fields)
    parameters = [
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter(
            "limit",
            inspect.Parameter.KEYWORD_ONLY,
            default=20,
            annotation=Annotated[int, Query(ge=1, le=100, description="Rows per page")],
        ),
        inspect.Parameter(
            "offset",
            inspect.Parameter.KEYWORD_ONLY,
            default=0,
            annotation=Annotated[int, Query(ge=0, le=MAX_ID, description="Rows to skip")],
        ),
        _parameter(
            "sort",
            Annotated[str, Field(max_length=500)],
            f"Fields to sort by, comma-separated, `-` before one for descending: {sortable}. "
            "Ties are broken by id; without `sort`, ascending id.",
        ),
        _parameter(
            "cursor",
            Annotated[str, Field(max_length=MAX_CURSOR_CHARACTERS)],
            "The `next_cursor` of the previous page, with the same filters and sort (not with "
            "`offset`).",
        ),
    ]
    if includes:
        parameters.append(_include_parameter(includes))
    for listed in fields.values():
        for operator in listed.operators:
            name = listed.name if operator == "eq" else f"{listed.name}__{operator}"
            parameters.append(_parameter(name, *_filter(listed, operator)))
    known = {parameter.name for parameter in parameters}
    controls = ("limit", "offset", "sort", "cursor", "include")

    async def read(request: Request, **given: Any) -> ListRequest:
        unknown = [name for name in request.query_params if name not in known]
        if unknown:
            raise RequestValidationError(
                [
                    {
                        "type": "extra_forbidden",
                        "loc": ("query", name),
                        "msg": f"not a parameter of this list; filters and sort take: {sortable}",
                        "input": None,
                    }
                    for name in unknown
                ]
            )
        conditions = []
        for name, value in given.items():
            if value is None or name in controls:
                continue
            field, _, written = name.partition("__")
            operator = OPERATORS[written or "eq"]
            if operator == "in":
                value = _values_in(name, value, fields[field])
            conditions.append(Condition(field, operator, value))
        query = ListQuery(
            conditions=tuple(conditions),
            sort=_sort(given["sort"], fields) if given["sort"] is not None else (),
            limit=given["limit"],
            offset=given["offset"],
            count_limit=request.app.state.settings.list_count_limit,
        )
        if given["cursor"] is not None:
            if given["offset"]:
                raise _invalid("cursor", "a cursor says where the page starts: drop offset", None)
            after = cursor.decode(given["cursor"], query)
            query = replace(query, after=after)
        return ListRequest(query, cursor, _included(given.get("include"), includes))

    read.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=ListRequest
    )
    return read


def _include_parameter(includes: Collection[str]) -> inspect.Parameter:
    return _parameter(
        "include",
        Annotated[str, Field(max_length=500)],
        f"References to embed, comma-separated: {', '.join(includes)} (a row the caller may not "
        "read embeds as null)",
    )


def _included(text: str | None, includes: Collection[str]) -> tuple[str, ...]:
    if text is None:
        return ()
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",")))
    unknown = [name for name in names if name not in includes]
    if unknown:
        known = ", ".join(includes) or "none"
        message = f"{unknown[0]!r} cannot be embedded here; these can: {known}"
        raise _invalid("include", message, text)
    return names


def include_parameter(includes: Collection[str]) -> Callable[..., Awaitable[tuple[str, ...]]]:
    """The dependency that reads a single read's `include=`: the names to embed."""

    async def read(**given: Any) -> tuple[str, ...]:
        return _included(given["include"], includes)

    signature = inspect.Signature([_include_parameter(includes)])
    read.__signature__ = signature  # type: ignore[attr-defined]
    return read


def _filter(listed: _Listed, operator: Operator) -> tuple[Any, str]:
    """A filter parameter's type and description."""
    if operator == "in":
        return str, (
            f"Rows whose {listed.name} is one of these, comma-separated ({MAX_IN_VALUES} at most)"
        )
    if operator == "isnull":
        return bool, f"Rows whose {listed.name} is null (true) or is not (false)"
    return listed.annotation, f"Rows whose {listed.name} is {_WORDS[operator]} this"


def _values_in(name: str, text: str, listed: _Listed) -> tuple[Any, ...]:
    values = text.split(",")
    if len(values) > MAX_IN_VALUES:
        raise _invalid(name, f"at most {MAX_IN_VALUES} values", text)
    read = []
    for value in values:
        try:
            read.append(listed.value.validate_python(value.strip(), strict=False))
        except ValidationError as error:
            message = error.errors()[0]["msg"]
            raise _invalid(name, f"{value.strip()!r}: {message}", text) from None
    return tuple(dict.fromkeys(read))


def _sort(text: str, fields: dict[str, _Listed]) -> tuple[SortKey, ...]:
    keys: list[SortKey] = []
    for part in text.split(","):
        name = part.strip().removeprefix("-")
        if name not in fields:
            listed = ", ".join(fields)
            raise _invalid("sort", f"{name!r} is not a field to sort by; these are: {listed}", text)
        if any(key.field == name for key in keys):
            raise _invalid("sort", f"{name!r} is named twice", text)
        keys.append(SortKey(name, part.strip().startswith("-")))
    return tuple(keys)
