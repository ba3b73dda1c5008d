"""What a refused write means, whichever driver refused it: PostgreSQL (asyncpg) names the
columns and tables in its error; SQLite says less, so the repository fills in what it knows of
its own table. The repositories of every ORM turn a `Violation` into `ConflictError` (409) or
`InvalidData` (422) with `refusal`, so a resource never answers 500 for a constraint."""

import json
import re
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import asyncpg

from .data import ConflictError, InvalidData
from .unavailable import error_chain

Kind = Literal["unique", "foreign_key", "check", "not_null"]

_PG_KINDS: dict[type[Exception], Kind] = {
    asyncpg.UniqueViolationError: "unique",
    asyncpg.ForeignKeyViolationError: "foreign_key",
    asyncpg.CheckViolationError: "check",
    asyncpg.NotNullViolationError: "not_null",
}
_PG_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) (?P<rest>.*)$")
_PG_TABLE = re.compile(r'table "(?P<table>[^"]+)"')
_SQLITE = re.compile(
    r"(?P<kind>UNIQUE|FOREIGN KEY|CHECK|NOT NULL) constraint failed(?:: (?P<names>.*))?$"
)
_SQLITE_KINDS: dict[str, Kind] = {
    "UNIQUE": "unique",
    "FOREIGN KEY": "foreign_key",
    "CHECK": "check",
    "NOT NULL": "not_null",
}


@dataclass(frozen=True, slots=True)
class Violation:
    kind: Kind
    columns: tuple[str, ...] = ()
    """The columns to blame, when the driver says (PostgreSQL always does, SQLite for unique
    and not-null constraints)."""
    constraint: str | None = None
    other_table: str | None = None
    """The referenced table (a missing row) or the referencing one (a row still referenced)."""
    still_referenced: bool = False


def violation(error: BaseException) -> Violation | None:
    """The constraint a driver error (possibly wrapped by an ORM) reports; `None` for others."""
    for cause in error_chain(error):
        for wrapped in (cause, *(arg for arg in cause.args if isinstance(arg, BaseException))):
            found = _postgres(wrapped) or _sqlite(wrapped)
            if found is not None:
                return found
    return None


def _postgres(error: BaseException) -> Violation | None:
    kind = next((k for cls, k in _PG_KINDS.items() if isinstance(error, cls)), None)
    if kind is None:
        return None
    detail = getattr(error, "detail", None) or ""
    key = _PG_KEY.match(detail)
    columns = tuple(c.strip() for c in key["columns"].split(",")) if key else ()
    column = getattr(error, "column_name", None)
    if not columns and column:
        columns = (column,)
    table = _PG_TABLE.search(key["rest"]) if key else None
    return Violation(
        kind,
        columns,
        constraint=getattr(error, "constraint_name", None),
        other_table=table["table"] if table else None,
        still_referenced="still referenced" in detail,
    )


def _sqlite(error: BaseException) -> Violation | None:
    if not isinstance(error, sqlite3.IntegrityError):
        return None
    found = _SQLITE.match(str(error))
    if found is None:
        return None
    kind = _SQLITE_KINDS[found["kind"]]
    names = [name.strip() for name in (found["names"] or "").split(",") if name.strip()]
    if kind == "check":
        return Violation(kind, constraint=names[0] if names else None)
    return Violation(kind, tuple(name.rpartition(".")[2] for name in names))


async def with_missing_reference(
    found: Violation,
    values: Mapping[str, Any],
    references: Mapping[str, str],
    exists: Callable[[str, Any], Awaitable[bool]],
) -> Violation:
    """A refused reference that names its column. SQLite does not say which of a row's
    references is missing, so each one written is looked up (`exists(column, value)`), on the
    error path only; PostgreSQL's violations already name it and are returned as they are."""
    if found.kind != "foreign_key" or found.columns or found.still_referenced:
        return found
    for column, table in references.items():
        value = values.get(column)
        if value is not None and not await exists(column, value):
            return replace(found, columns=(column,), other_table=table)
    return found


def _shown(value: object) -> str:
    """A value in a message as the client wrote it in JSON: text in quotes, a UUID, a day or a
    number as its text, never a Python repr (`UUID('6f1c...')`)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return json.dumps(value if isinstance(value, str | int | float) else str(value))


def refusal(
    found: Violation,
    *,
    singular: str,
    values: Mapping[str, Any],
    key: object = None,
    references: Mapping[str, str] | None = None,
) -> Exception:
    """The API's error for a refused write of one row of a resource.

    `values`: what was written; `key`: the row's id for an update or a delete; `references`:
    the resource's foreign-key columns and the tables they point to (SQLite names neither)."""
    references = references or {}
    match found.kind:
        case "unique":
            shown = ", ".join(f"{column} {_shown(values.get(column))}" for column in found.columns)
            return ConflictError(f"another {singular} has the same {shown or 'unique values'}")
        case "foreign_key" if found.still_referenced or (key is not None and not values):
            by = found.other_table or "other rows"  # SQLite does not say which
            return ConflictError(f"{singular} {key} is still referenced by {by}")
        case "foreign_key":
            blamed = [c for c in found.columns or tuple(references) if c in values]
            column = blamed[0] if blamed else None
            table = found.other_table or references.get(column or "") or "the referenced table"
            message = f"no row of {table} has id {_shown(values.get(column or ''))}"
            return InvalidData(message, field=column, kind="foreign_key")
        case "not_null":
            column = found.columns[0] if found.columns else None
            return InvalidData("must not be null", field=column, kind="missing")
        case _:
            rule = found.constraint or "a check constraint"
            return InvalidData(f"breaks the rule {rule}", kind="check")
