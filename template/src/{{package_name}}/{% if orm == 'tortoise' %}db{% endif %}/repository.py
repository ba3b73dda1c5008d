"""The base of every resource's repository: get, page, add, update and delete of one model's
rows, with each write recorded as a `Change` and each refused write turned into the API's 409
or 422. A resource's repository names its model and schema and writes only what differs:

    class OrderRepository(Repository[OrderRead]):
        model = Order
        schema = OrderRead

        async def open_orders(self) -> list[OrderRead]:
            rows = await self.rows(OPEN_ORDERS)
            return [self.read(row) for row in rows]

The statements are SQL built once per repository class from the model and sent on Tortoise's
connection: building a QuerySet and a model instance per call cost more than the statement
itself (see bench/README.md). Write new ones with `for_each_dialect`; for joins and prefetching
use the model's QuerySets with `.using_db(self.connection)`.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel
from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from ..changes import Change, ChangeKind
from ..clock import utcnow
from ..integrity import Violation, refusal, violation, with_missing_reference
from ..unavailable import again_while_gone

Read = TypeVar("Read", bound=BaseModel)
Row = dict[str, Any]


@dataclass(slots=True)
class Unit:
    """One unit of work: its connection and the changes its repositories wrote."""

    connection: BaseDBAsyncClient
    tries: int = 1
    """Connections a statement may try outside a transaction (see `unavailable.never_ran`)."""
    changes: list[Change] = field(default_factory=list)


def for_each_dialect(postgres: str) -> dict[str, str]:
    """The statement with PostgreSQL's `$1, $2` placeholders and SQLite's `?`."""
    return {"postgres": postgres, "sqlite": re.sub(r"\$\d+", "?", postgres)}


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _sqlite_value(value: Any) -> Any:
    """What Tortoise itself stores on SQLite: decimals, datetimes, dates and UUIDs as text."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, Decimal | date | UUID):
        return str(value)
    return value


def _json_text(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _sqlite_converter(model_field: fields.Field[Any]) -> Callable[[Any], Any]:
    """A column's values as Tortoise stores them on SQLite: decimals with the field's places,
    JSON as its text."""
    if isinstance(model_field, fields.JSONField):
        return _json_text
    places = getattr(model_field, "decimal_places", None)
    if places is None:
        return _sqlite_value
    exponent = Decimal(1).scaleb(-places)
    return lambda value: _sqlite_value(
        value.quantize(exponent) if isinstance(value, Decimal) else value
    )


def _json_values(row: Row, columns: tuple[str, ...]) -> Row:
    return {column: json.loads(row[column]) for column in columns if row[column] is not None}


class _Statements:
    """The statements of one repository class; inserts and updates are built once per set of
    columns and dialect."""

    def __init__(self, model: type[Model], names: tuple[str, ...]) -> None:
        meta = model._meta
        self.table: str = meta.db_table
        self.columns = _quoted(tuple(meta.fields_db_projection[name] for name in names))
        self.db_columns = meta.fields_db_projection
        self.get = for_each_dialect(f'SELECT {self.columns} FROM "{self.table}" WHERE "id" = $1')
        self.page = for_each_dialect(
            f'SELECT {self.columns} FROM "{self.table}" ORDER BY "id" LIMIT $1 OFFSET $2'
        )
        self.count = for_each_dialect(f'SELECT COUNT(*) AS "total" FROM "{self.table}"')
        self.delete = for_each_dialect(f'DELETE FROM "{self.table}" WHERE "id" = $1 RETURNING "id"')
        self.sqlite = {
            meta.fields_db_projection[name]: _sqlite_converter(model_field)
            for name, model_field in meta.fields_map.items()
            if name in meta.fields_db_projection
        }
        self.json = tuple(
            meta.fields_db_projection[name]
            for name, model_field in meta.fields_map.items()
            if isinstance(model_field, fields.JSONField) and name in meta.fields_db_projection
        )
        """JSON columns: asyncpg takes and gives them as text (Tortoise sets no codec)."""
        self.on_create: dict[str, Callable[[], Any]] = {}
        self.on_update: dict[str, Callable[[], Any]] = {}
        for name, model_field in meta.fields_map.items():
            if name not in meta.fields_db_projection or model_field.pk:
                continue
            column = meta.fields_db_projection[name]
            if getattr(model_field, "auto_now", False):
                self.on_create[column] = self.on_update[column] = utcnow
            elif getattr(model_field, "auto_now_add", False):
                self.on_create[column] = utcnow
            elif model_field.default is not None:
                default = model_field.default
                self.on_create[column] = default if callable(default) else _constant(default)
        self._inserts: dict[tuple[str, ...], dict[str, str]] = {}
        self._updates: dict[tuple[str, ...], dict[str, str]] = {}

    def insert(self, names: tuple[str, ...]) -> dict[str, str]:
        statement = self._inserts.get(names)
        if statement is None:
            placeholders = ", ".join(f"${number}" for number in range(1, len(names) + 1))
            statement = for_each_dialect(
                f'INSERT INTO "{self.table}" ({_quoted(names)}) VALUES ({placeholders}) '
                f"RETURNING {self.columns}"
            )
            self._inserts[names] = statement
        return statement

    def update(self, names: tuple[str, ...]) -> dict[str, str]:
        statement = self._updates.get(names)
        if statement is None:
            # The key last: SQLite's `?` placeholders are numbered by their position.
            assignments = ", ".join(f'"{name}" = ${number}' for number, name in enumerate(names, 1))
            statement = for_each_dialect(
                f'UPDATE "{self.table}" SET {assignments} WHERE "id" = ${len(names) + 1} '
                f"RETURNING {self.columns}"
            )
            self._updates[names] = statement
        return statement


class Repository(Generic[Read]):
    model: type[Model]
    schema: type[Read]
    """What a row reads as: the schema's fields are the columns selected."""
    singular: ClassVar[str] = ""
    """How an error names one row (`item`); the table's name without its final `s` otherwise."""
    _built: ClassVar[_Statements | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._built = None
        cls.singular = cls.singular or cls.model._meta.db_table.removesuffix("s")

    def __init__(self, unit: Unit) -> None:
        self.connection = unit.connection
        self._changes = unit.changes
        self._dialect: str = unit.connection.capabilities.dialect
        self._in_transaction = isinstance(unit.connection, TransactionalDBClient)
        self._tries = unit.tries

    @property
    def _statements(self) -> _Statements:
        """Built on first use: Tortoise adds the columns of relations (`item_id`) when it
        starts, after the models are imported."""
        cls = type(self)
        if cls._built is None:
            projection = cls.model._meta.fields_db_projection
            names = tuple(name for name in cls.schema.model_fields if name in projection)
            cls._built = _Statements(cls.model, names)
        return cls._built

    @property
    def resource(self) -> str:
        return self._statements.table

    def read(self, row: Row) -> Read:
        # asyncpg returns the model's types; SQLite returns text that pydantic must read.
        if self._dialect == "postgres":
            if self._statements.json:
                row = {**row, **_json_values(row, self._statements.json)}
            return self.schema.model_construct(**row)
        return self.schema.model_validate(row)

    def record(self, key: int, kind: ChangeKind) -> None:
        """Publish `kind` for this row once the unit of work has committed."""
        self._changes.append(Change(self.resource, key, kind))

    async def rows(self, statement: Mapping[str, str], *values: Any) -> list[Row]:
        """Run one of `for_each_dialect`'s statements."""
        if self._dialect == "sqlite":
            values = tuple(_sqlite_value(value) for value in values)
        return await self._execute(statement[self._dialect], list(values))

    async def _execute(self, sql: str, values: list[Any]) -> list[Row]:
        """One statement; when a pooled connection turns out to be gone, again on a fresh one
        (`unavailable.never_ran`), except in a transaction, which lives and dies with its
        connection."""
        if self._in_transaction:
            return await self.connection.execute_query_dict(sql, values)
        return await again_while_gone(
            lambda: self.connection.execute_query_dict(sql, values), tries=self._tries
        )

    async def get(self, key: int) -> Read | None:
        rows = await self.rows(self._statements.get, key)
        return self.read(rows[0]) if rows else None

    async def page(self, *, limit: int, offset: int) -> tuple[list[Read], int]:
        """One page in id order, and the total number of rows."""
        rows = await self.rows(self._statements.page, limit, offset)
        [counted] = await self.rows(self._statements.count)
        return [self.read(row) for row in rows], counted["total"]

    async def add(self, data: BaseModel | Mapping[str, Any], *, owner: int | None = None) -> Read:
        """Insert a row; the model's defaults (`auto_now_add`, `default=`) fill what is absent.
        `owner`: a caller who may see only their own rows where rows have owners (not an admin):
        a reference to someone else's row is refused as if that row did not exist."""
        values = self._columns(data.model_dump() if isinstance(data, BaseModel) else data)
        for column, default in self._statements.on_create.items():
            values.setdefault(column, default())
        await self._refuse_others_rows(values, owner)
        names = tuple(sorted(values))
        rows = await self._write(self._statements.insert(names), values, names)
        self.record(rows[0]["id"], "created")
        return self.read(rows[0])

    async def update(
        self, key: int, changes: Mapping[str, Any], *, owner: int | None = None
    ) -> Read | None:
        """Apply `changes`; `None` when the row does not exist. `owner`: as for `add`."""
        if not changes:
            return await self.get(key)
        values = self._columns(changes)
        await self._refuse_others_rows(values, owner)
        for column, default in self._statements.on_update.items():
            values.setdefault(column, default())
        names = tuple(sorted(values))
        rows = await self._write(self._statements.update(names), values, names, key=key)
        if not rows:
            return None
        self.record(key, "updated")
        return self.read(rows[0])

    async def delete(self, key: int) -> bool:
        deleted = bool(await self._write(self._statements.delete, {}, (), key=key))
        if deleted:
            self.record(key, "deleted")
        return deleted

    def _columns(self, values: Mapping[str, Any]) -> dict[str, Any]:
        projection = self._statements.db_columns
        return {projection.get(name, name): value for name, value in values.items()}

    async def _write(
        self,
        statement: Mapping[str, str],
        values: Mapping[str, Any],
        names: tuple[str, ...],
        *,
        key: int | None = None,
    ) -> list[Row]:
        if self._dialect == "sqlite":  # as Tortoise stores them: decimals with their places
            convert = self._statements.sqlite
            ordered = [convert[name](values[name]) for name in names]
        elif self._statements.json:
            text = self._statements.json
            ordered = [_json_text(values[name]) if name in text else values[name] for name in names]
        else:
            ordered = [values[name] for name in names]
        if key is not None:
            ordered.append(key)
        try:
            return await self._execute(statement[self._dialect], ordered)
        except IntegrityError as error:
            found = violation(error)
            if found is None:
                raise
            references = _references(self.model)
            found = await with_missing_reference(found, values, references, self._reference_exists)
            raise refusal(
                found, singular=self.singular, values=values, key=key, references=references
            ) from error

    async def _refuse_others_rows(self, values: Mapping[str, Any], owner: int | None) -> None:
        """A reference to a row the caller may not see answers as one to a missing row: the
        difference would tell which ids other users have."""
        if owner is None:
            return
        references = _references(self.model)
        for column, (table, owner_column) in _owned_references(self.model).items():
            value = values.get(column)
            if value is None:
                continue
            statement = for_each_dialect(
                f'SELECT 1 AS "found" FROM "{table}" WHERE "id" = $1 AND "{owner_column}" = $2'
            )
            if not await self.rows(statement, value, owner):
                missing = Violation("foreign_key", (column,), other_table=table)
                raise refusal(missing, singular=self.singular, values=values, references=references)

    async def _reference_exists(self, column: str, value: Any) -> bool:
        table = _references(self.model)[column]
        statement = for_each_dialect(f'SELECT 1 AS "found" FROM "{table}" WHERE "id" = $1')
        return bool(await self._execute(statement[self._dialect], [value]))


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _related_model(relation: Any) -> type[Model]:
    """A relation's other end (known once Tortoise has started)."""
    related: type[Model] = relation.related_model
    return related


def _table(relation: Any) -> str:
    return str(_related_model(relation)._meta.db_table)


def _references(model: type[Model]) -> dict[str, str]:
    """The model's foreign-key columns and the tables they point to (known once Tortoise has
    started: relations are resolved then)."""
    meta = model._meta
    return {
        meta.fields_db_projection[f"{name}_id"]: _table(meta.fields_map[name])
        for name in meta.fk_fields
    }


def _owned_references(model: type[Model]) -> dict[str, tuple[str, str]]:
    """The foreign-key columns to rows that have owners (their model's `owner_column`): the
    table and its owner column."""
    meta = model._meta
    found = {}
    for name in sorted(meta.fk_fields):
        related = _related_model(meta.fields_map[name])
        owner = getattr(related, "owner_column", None)
        if owner is not None:
            column = meta.fields_db_projection[f"{name}_id"]
            found[column] = (str(related._meta.db_table), str(owner))
    return found
