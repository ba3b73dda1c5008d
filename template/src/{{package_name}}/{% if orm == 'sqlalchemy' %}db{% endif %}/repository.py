"""The base of every resource's repository: get, page, add, update and delete of one model's
rows, with each write recorded as a `Change` and each refused write turned into the API's 409
or 422. A resource's repository names its model and schema and writes only what differs:

    class OrderRepository(Repository[OrderRead]):
        model = Order
        schema = OrderRead

        async def open_orders(self) -> list[OrderRead]:
            rows = await self.run.rows(OPEN_ORDERS)
            return [self.read(row) for row in rows]

Statements are SQLAlchemy Core, built once per repository class and run by the unit of work's
executor (see `statements`); write new ones the same way (module-level, `self.run.row(...)`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnDefault, Table, bindparam, delete, func, insert, select, update

from ..changes import Change, ChangeKind
from ..integrity import Violation, refusal, with_missing_reference
from .base import Base
from .statements import Refused, Row, Statements

Read = TypeVar("Read", bound=BaseModel)


@dataclass(slots=True)
class Unit:
    """One unit of work: its executor and the changes its repositories wrote."""

    run: Statements
    changes: list[Change] = field(default_factory=list)


class _Statements:
    """The statements of one repository class; the update and insert statements are built once
    per set of columns."""

    def __init__(self, table: Table, names: tuple[str, ...]) -> None:
        self.table = table
        self.columns = tuple(table.c[name] for name in names)
        self.key = table.c.id
        by_key = self.key == bindparam("target_id")
        self.get = select(*self.columns).where(by_key)
        self.page = (
            select(*self.columns)
            .order_by(self.key)
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )
        self.count = select(func.count().label("total")).select_from(table)
        self.delete = delete(table).where(by_key).returning(self.key)
        self.by_key = by_key
        self.defaults = {
            column.name: column.default
            for column in table.c
            if isinstance(column.default, ColumnDefault)
            and (column.default.is_callable or column.default.is_scalar)
            and not column.primary_key
        }
        self._inserts: dict[tuple[str, ...], Any] = {}
        self._updates: dict[tuple[str, ...], Any] = {}

    # The foreign keys' other ends, resolved on first use: a model may refer to a table whose
    # model is imported after it.
    @cached_property
    def references(self) -> dict[str, str]:
        """The foreign-key columns and the tables they point to."""
        return {fk.parent.name: fk.column.table.name for fk in self.table.foreign_keys}

    @cached_property
    def referenced(self) -> dict[str, Any]:
        """Per foreign-key column, whether the row it names exists (see `Repository._write`)."""
        return {
            fk.parent.name: select(fk.column).where(fk.column == bindparam("target_id"))
            for fk in self.table.foreign_keys
        }

    @cached_property
    def owned_references(self) -> dict[str, Any]:
        """Per foreign key to rows that have owners (their model's `owner_column`), the statement
        that finds the row it names only when the given owner's."""
        models = {mapper.local_table: mapper.class_ for mapper in Base.registry.mappers}
        found = {}
        for fk in sorted(self.table.foreign_keys, key=lambda fk: fk.parent.name):
            target = fk.column.table
            owner = getattr(models.get(target), "owner_column", None)
            if owner is not None:
                found[fk.parent.name] = select(fk.column).where(
                    fk.column == bindparam("target_id"), target.c[owner] == bindparam("owner")
                )
        return found

    def insert(self, names: tuple[str, ...]) -> Any:
        statement = self._inserts.get(names)
        if statement is None:
            values: dict[str, Any] = {name: bindparam(name) for name in names}
            statement = insert(self.table).values(values).returning(*self.columns)
            self._inserts[names] = statement
        return statement

    def update(self, names: tuple[str, ...]) -> Any:
        statement = self._updates.get(names)
        if statement is None:
            values: dict[str, Any] = {name: bindparam(name) for name in names}
            statement = (
                update(self.table).where(self.by_key).values(values).returning(*self.columns)
            )
            self._updates[names] = statement
        return statement


class Repository(Generic[Read]):
    model: type[Base]
    schema: type[Read]
    """What a row reads as: the schema's fields are the columns selected."""
    singular: ClassVar[str] = ""
    """How an error names one row (`item`); the table's name without its final `s` otherwise."""
    _statements: ClassVar[_Statements]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.model.__table__
        assert isinstance(table, Table)
        cls._statements = _Statements(
            table, tuple(name for name in cls.schema.model_fields if name in table.c)
        )
        cls.singular = cls.singular or table.name.removesuffix("s")

    def __init__(self, unit: Unit) -> None:
        self.run = unit.run
        self._changes = unit.changes

    @property
    def resource(self) -> str:
        return self._statements.table.name

    def read(self, row: Row) -> Read:
        # Either executor returns the model's types (Decimal, UTC-aware datetimes): nothing to
        # validate again.
        return self.schema.model_construct(**row)

    def record(self, key: int, kind: ChangeKind) -> None:
        """Publish `kind` for this row once the unit of work has committed."""
        self._changes.append(Change(self.resource, key, kind))

    async def get(self, key: int) -> Read | None:
        row = await self.run.row(self._statements.get, target_id=key)
        return None if row is None else self.read(row)

    async def page(self, *, limit: int, offset: int) -> tuple[list[Read], int]:
        """One page in id order, and the total number of rows."""
        rows = await self.run.rows(self._statements.page, limit=limit, offset=offset)
        counted = await self.run.row(self._statements.count)
        return [self.read(row) for row in rows], counted["total"] if counted else 0

    async def add(self, data: BaseModel | Mapping[str, Any], *, owner: int | None = None) -> Read:
        """Insert a row; the model's Python-side defaults (`default=utcnow`) fill what is absent.
        `owner`: a caller who may see only their own rows where rows have owners (not an admin):
        a reference to someone else's row is refused as if that row did not exist."""
        values = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        for name, default in self._statements.defaults.items():
            if name not in values:
                values[name] = default.arg(None) if default.is_callable else default.arg
        await self._refuse_others_rows(values, owner)
        statement = self._statements.insert(tuple(sorted(values)))
        row = await self._write(statement, values)
        assert row is not None
        self.record(row["id"], "created")
        return self.read(row)

    async def update(
        self, key: int, changes: Mapping[str, Any], *, owner: int | None = None
    ) -> Read | None:
        """Apply `changes`; `None` when the row does not exist. `owner`: as for `add`."""
        if not changes:
            return await self.get(key)
        await self._refuse_others_rows(changes, owner)
        statement = self._statements.update(tuple(sorted(changes)))
        row = await self._write(statement, changes, key=key)
        if row is None:
            return None
        self.record(key, "updated")
        return self.read(row)

    async def delete(self, key: int) -> bool:
        row = await self._write(self._statements.delete, {}, key=key)
        if row is not None:
            self.record(key, "deleted")
        return row is not None

    async def _refuse_others_rows(self, values: Mapping[str, Any], owner: int | None) -> None:
        """A reference to a row the caller may not see answers as one to a missing row: the
        difference would tell which ids other users have."""
        if owner is None:
            return
        references = self._statements.references
        for column, statement in self._statements.owned_references.items():
            value = values.get(column)
            if value is None or await self.run.row(statement, target_id=value, owner=owner):
                continue
            missing = Violation("foreign_key", (column,), other_table=references[column])
            raise refusal(missing, singular=self.singular, values=values, references=references)

    async def _write(
        self, statement: Any, values: Mapping[str, Any], *, key: int | None = None
    ) -> Row | None:
        params = dict(values) if key is None else {**values, "target_id": key}
        try:
            return await self.run.row(statement, **params)
        except Refused as refused:
            references = self._statements.references
            found = await with_missing_reference(
                refused.violation, values, references, self._reference_exists
            )
            raise refusal(
                found, singular=self.singular, values=values, key=key, references=references
            ) from refused

    async def _reference_exists(self, column: str, value: Any) -> bool:
        statement = self._statements.referenced[column]
        return await self.run.row(statement, target_id=value) is not None
