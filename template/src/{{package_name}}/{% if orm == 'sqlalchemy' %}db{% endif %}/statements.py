"""Two ways to run a Core statement, chosen by `Database` for the unit of work:

- `AsyncpgStatements` on PostgreSQL: each statement is compiled once for asyncpg and sent to the
  driver connection itself, skipping SQLAlchemy's async execution (its greenlet and execution
  context), which cost several times the statement's own CPU time (see bench/README.md).
- `SqlAlchemyStatements` elsewhere (the embedded SQLite): SQLAlchemy's own async execution.

Both raise `Refused` for a write the database refused, with the constraint it named.
"""

import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

import asyncpg
from sqlalchemy import JSON, Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from ..integrity import Violation, violation
from ..unavailable import again_while_gone

Row = Mapping[Any, Any]


class Refused(Exception):
    """The database refused a write; `violation` says which constraint."""

    def __init__(self, found: Violation) -> None:
        super().__init__(found.kind)
        self.violation = found


class Statements(Protocol):
    """Runs a Core statement with named parameters."""

    async def row(self, statement: Any, **params: Any) -> Row | None: ...

    async def rows(self, statement: Any, **params: Any) -> list[Row]: ...


def _refused(error: Exception) -> Exception:
    found = violation(error)
    return error if found is None else Refused(found)


class SqlAlchemyStatements:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        """The unit of work's connection, for what Core statements of a repository do not do."""

    async def row(self, statement: Any, **params: Any) -> Row | None:
        try:
            result = await self.connection.execute(statement, params)
        except IntegrityError as error:
            raise _refused(error) from error
        return result.mappings().first() if result.returns_rows else None

    async def rows(self, statement: Any, **params: Any) -> list[Row]:
        return list((await self.connection.execute(statement, params)).mappings())


class Compiled:
    """Each statement's SQL for asyncpg (`$1`, `$2`) and the names of its parameters in order,
    compiled on first use and kept as long as the statement lives. Build statements once, at
    import, as the repositories do: one built per call is compiled per call. (Kept by `id()`,
    a statement freed gave its id, and its SQL, to the next one: another query's rows.)

    JSON is the one type whose parameters asyncpg does not take as SQLAlchemy gives them:
    SQLAlchemy's codec on the connection wants them as text, which its JSON type makes."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._sql: weakref.WeakKeyDictionary[ClauseElement, Prepared] = weakref.WeakKeyDictionary()

    def __len__(self) -> int:
        return len(self._sql)

    def __call__(self, statement: ClauseElement) -> "Prepared":
        found = self._sql.get(statement)
        if found is None:
            compiled = statement.compile(dialect=self._dialect)
            names = tuple(getattr(compiled, "positiontup", None) or ())
            binds = getattr(compiled, "binds", {})
            encoders = {
                name: processor
                for name in names
                if isinstance(binds[name].type, JSON)
                and (processor := binds[name].type.bind_processor(self._dialect))
            }
            found = Prepared(compiled.string, names, encoders)
            self._sql[statement] = found
        return found


class Prepared:
    __slots__ = ("encoders", "names", "sql")

    def __init__(
        self, sql: str, names: tuple[str, ...], encoders: dict[str, Callable[[Any], Any]]
    ) -> None:
        self.sql, self.names, self.encoders = sql, names, encoders

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        if not self.encoders:
            return [params[name] for name in self.names]
        return [
            self.encoders[name](params[name])
            if name in self.encoders and params[name] is not None
            else params[name]
            for name in self.names
        ]


Renew = Callable[[BaseException], Awaitable[asyncpg.Connection]]
"""A fresh connection for one that turned out to be gone before a statement ran on it."""
Result = TypeVar("Result")


class AsyncpgStatements:
    """With `renew` (a unit of work outside a transaction), a statement whose pooled connection
    turns out to be gone runs again on a fresh one (`unavailable.never_ran`)."""

    def __init__(
        self,
        connection: asyncpg.Connection,
        compiled: Compiled,
        renew: Renew | None = None,
        tries: int = 1,
    ) -> None:
        self.connection = connection
        self._compiled = compiled
        self._renew = renew
        self._tries = tries

    async def row(self, statement: Any, **params: Any) -> Row | None:
        prepared = self._compiled(statement)
        values = prepared.values(params)
        try:
            row: Row | None = await self._run(lambda c: c.fetchrow(prepared.sql, *values))
        except asyncpg.IntegrityConstraintViolationError as error:
            raise _refused(error) from error
        return row

    async def rows(self, statement: Any, **params: Any) -> list[Row]:
        prepared = self._compiled(statement)
        values = prepared.values(params)
        rows: list[Row] = await self._run(lambda c: c.fetch(prepared.sql, *values))
        return rows

    async def _run(self, call: Callable[[asyncpg.Connection], Awaitable[Result]]) -> Result:
        if self._renew is None:
            return await call(self.connection)
        return await again_while_gone(lambda: call(self.connection), self._swap, tries=self._tries)

    async def _swap(self, gone: BaseException) -> None:
        assert self._renew is not None
        self.connection = await self._renew(gone)
