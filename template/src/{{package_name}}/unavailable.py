"""Telling a database that is unavailable (worth another try: the API answers 503, a job is
retried) from a request that is wrong (a 4xx) or a bug (a 500).

The reasons are short fixed texts: they reach clients and readiness probes, so they never carry
an address, a user name or a query.
"""

import sqlite3
from collections.abc import Iterator

from asyncpg.exceptions import ConnectionDoesNotExistError, InterfaceError, InternalClientError

_BY_SQLSTATE = {
    "57014": "statement timed out",
    "57P01": "the server is shutting down",
    "57P03": "the server is starting up",
    "53300": "too many connections",
    "40001": "serialization failure",
    "40P01": "deadlock detected",
    "55P03": "lock not available",
}
_TRANSIENT_CLASSES = {
    "08": "connection failure",
    "53": "insufficient resources",
    "57": "operator intervention",
    "58": "system error",
}


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """The error, the driver error an ORM wraps (`orig`), and their causes."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        original = getattr(current, "orig", None)
        current = (
            original
            if isinstance(original, BaseException)
            else current.__cause__ or current.__context__
        )


def unavailable_reason(
    error: BaseException, also: tuple[type[BaseException], ...] = ()
) -> str | None:
    """Why the database could not serve the request, or `None` when the error is not about its
    availability. `also`: the data layer's own types for the same thing (e.g. a pool timeout)."""
    for cause in error_chain(error):
        if isinstance(cause, TimeoutError):
            return "timed out"
        if also and isinstance(cause, also):
            return "unavailable"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionDoesNotExistError | InterfaceError | ConnectionError):
            return "connection lost"
        if isinstance(cause, InternalClientError):  # a connection left mid-operation by a reset
            return "connection lost"
        if isinstance(cause, OSError):
            return "connection failed"
        if isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause):
            return "database is locked"
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(state, str):
            if state in _BY_SQLSTATE:
                return _BY_SQLSTATE[state]
            if state[:2] in _TRANSIENT_CLASSES:
                return _TRANSIENT_CLASSES[state[:2]]
    return None
