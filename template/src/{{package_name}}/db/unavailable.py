"""Telling a database that is unavailable (worth another try: the API answers 503, a job is
retried) from a request that is wrong (a 4xx) or a bug (a 500).

The reasons are short fixed texts: they reach clients and readiness probes, so they never carry
an address, a user name or a query.
"""

import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

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


Result = TypeVar("Result")
_TERMINATED = ("57P01", "57P02")  # admin_shutdown, crash_shutdown: the session's work is aborted


def never_ran(error: BaseException) -> bool:
    """Whether a statement failed on a pooled connection that was already gone, so that it
    cannot have taken effect: the driver did not send it (the connection is closed, or was left
    in the middle of an operation), or the server had terminated the session, which aborts its
    transaction (`pg_terminate_backend`, a restart). Such a statement is safe to run again on a
    fresh connection, a write included; any other lost connection is the 503 it always was."""
    for cause in error_chain(error):
        if isinstance(cause, InternalClientError):
            return True
        if isinstance(cause, InterfaceError) and "connection is closed" in str(cause):
            return True
        if getattr(cause, "sqlstate", None) in _TERMINATED:
            return True
        # asyncpg reports the server's notice only in the message (English servers).
        if isinstance(cause, ConnectionDoesNotExistError) and "terminating connection" in str(
            cause
        ):
            return True
    return False


async def again_while_gone(
    call: Callable[[], Awaitable[Result]],
    renew: Callable[[BaseException], Awaitable[object]] | None = None,
    *,
    tries: int,
) -> Result:
    """`call()`, and again (after `renew(error)` when given), at most `tries` times in all, while
    it fails on a pooled connection that was already gone (`never_ran`). After a restart every
    pooled connection is gone before its owner hears of it: a pool's size plus one tries reach a
    fresh one."""
    attempt = 1
    while True:
        try:
            return await call()
        except Exception as error:
            if attempt >= tries or not never_ran(error):
                raise
            attempt += 1
            if renew is not None:
                await renew(error)


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
