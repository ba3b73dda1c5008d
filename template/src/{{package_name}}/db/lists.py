"""What a list asks of a repository, whichever ORM: conditions on fields, an order, and either an
offset or the position after the last row a client saw (keyset pagination). The API reads these
from a request (`api.lists`); a repository turns them into one statement per shape of query.

Order: the fields asked for, then `id` ascending to break ties (unless `id` was asked for).
NULL sorts after every value ascending and before every value descending (PostgreSQL's own
order, asked of SQLite too), so an optional field pages the same way on both.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, get_args

Operator = Literal["eq", "gt", "gte", "lt", "lte", "in", "isnull"]
OPERATORS: dict[str, Operator] = {name: name for name in get_args(Operator)}
ORDERED_OPERATORS: tuple[Operator, ...] = ("gt", "gte", "lt", "lte")

Read = TypeVar("Read")
Built = TypeVar("Built")


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
    count_limit: int = 10_000
    """Rows are counted up to this many: past it, the page's `total` is `None` (a count costs
    what it counts, on every page)."""

    @property
    def counted_at_most(self) -> int:
        """What the count statement reads at most: one past `count_limit`, to know it passed."""
        return self.count_limit + 1

    def total(self, counted: int) -> int | None:
        """The page's `total` of the rows the count statement counted."""
        return counted if counted <= self.count_limit else None

    @property
    def order(self) -> tuple[SortKey, ...]:
        """The sort asked for, ties broken by id."""
        if any(key.field == "id" for key in self.sort):
            return self.sort
        return (*self.sort, SortKey("id"))

    def shape(self, owned: bool) -> Hashable:
        """What a statement of this query depends on besides its values: which conditions on
        which fields (and how many values an `in` has), which order, whether it starts after a
        row (and which of that row's values are null), whether it is one owner's rows."""
        conditions = tuple(
            (c.field, c.operator, len(c.value) if c.operator == "in" else c.value is True)
            for c in self.conditions
        )
        after = None if self.after is None else tuple(value is None for value in self.after)
        return conditions, self.order, after, owned

    def values(self) -> dict[str, Any]:
        """The values a statement of this query binds: `c0`, `c0_0`... of the conditions (an
        `in` has one per value, `isnull` none), `k0`... of the row it starts after (none for a
        null)."""
        values: dict[str, Any] = {}
        for number, condition in enumerate(self.conditions):
            if condition.operator == "in":
                for index, value in enumerate(condition.value):
                    values[f"c{number}_{index}"] = value
            elif condition.operator != "isnull":
                values[f"c{number}"] = condition.value
        for number, value in enumerate(self.after or ()):
            if value is not None:
                values[f"k{number}"] = value
        return values


class KeptByShape(Generic[Built]):
    """A repository's list statements, built once per shape of query (`ListQuery.shape`): a
    handful of shapes serve nearly every request. Past `kept` shapes, the least recently used
    go, so no client can grow them without bound."""

    def __init__(self, kept: int = 256) -> None:
        self._kept = kept
        self._built: OrderedDict[Hashable, Built] = OrderedDict()

    def get(self, shape: Hashable, build: Callable[[], Built]) -> Built:
        found = self._built.get(shape)
        if found is None:
            found = self._built[shape] = build()
            if len(self._built) > self._kept:
                self._built.popitem(last=False)
        else:
            self._built.move_to_end(shape)
        return found


@dataclass(slots=True)
class Page(Generic[Read]):
    rows: list[Read]
    total: int | None
    """Rows that meet the conditions, on every page; `None` past the query's `count_limit`."""
    last: tuple[Any, ...] | None = None
    """The `order` values of the page's last row when more rows follow; `None` on the last
    page."""
