"""What a list asks of a repository, whichever ORM: conditions on fields, an order, and either an
offset or the position after the last row a client saw (keyset pagination). The API reads these
from a request (`api.lists`); a repository turns them into one statement per shape of query.

Order: the fields asked for, then `id` ascending to break ties (unless `id` was asked for).
NULL sorts after every value ascending and before every value descending (PostgreSQL's own
order, asked of SQLite too), so an optional field pages the same way on both.
"""

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, get_args

Operator = Literal["eq", "gt", "gte", "lt", "lte", "in", "isnull"]
OPERATORS: dict[str, Operator] = {name: name for name in get_args(Operator)}
ORDERED_OPERATORS: tuple[Operator, ...] = ("gt", "gte", "lt", "lte")

Read = TypeVar("Read")


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    operator: Operator
    value: Any
    """A tuple of values for `in`; a bool for `isnull` (true: the field is null)."""


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ListQuery:
    conditions: tuple[Condition, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int = 20
    offset: int = 0
    after: tuple[Any, ...] | None = None
    """The `order` values of the last row seen: the page starts after it."""

    @property
    def order(self) -> tuple[SortKey, ...]:
        """The sort asked for, ties broken by id."""
        if any(key.field == "id" for key in self.sort):
            return self.sort
        return (*self.sort, SortKey("id"))


@dataclass(slots=True)
class Page(Generic[Read]):
    rows: list[Read]
    total: int
    """Rows that meet the conditions, on every page."""
    last: tuple[Any, ...] | None = field(default=None)
    """The `order` values of the page's last row when more rows follow; `None` on the last
    page."""
