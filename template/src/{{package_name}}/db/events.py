"""Events: every committed create, update and delete of a resource, written to the `events` table
(the outbox) by the unit of work in the transaction of the change, so that a change rolled back
has no event and a committed one always has its event. What reads them (webhooks, feeds) reads
them from there, after the commit: see the `events` package."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar, get_args

from pydantic import BaseModel

EventKind = Literal["created", "updated", "deleted"]
OutboxT = TypeVar("OutboxT")
"""Each ORM's outbox (`db.outbox.Outbox`)."""


class OutsideTransaction(RuntimeError):
    """A write that is an event was made in a unit of work without a transaction: the row would
    be committed before its event, and a crash between them would lose the event."""


def event_type(entity: str, kind: EventKind) -> str:
    """`NAME.created`, `NAME.updated` or `NAME.deleted`, NAME the table (`entity_of` reads it)."""
    return f"{entity}.{kind}"


def entity_of(event_type: str) -> str:
    return event_type.rpartition(".")[0]


def event_types(entity: str) -> list[str]:
    """Every type an event of `entity` may have."""
    return [event_type(entity, kind) for kind in get_args(EventKind)]


def outbox_for(outbox: OutboxT | None, entity: str, kind: EventKind) -> OutboxT:
    """The unit of work's outbox, where a write's event goes; refused (before the write) in a
    unit of work without one."""
    if outbox is None:
        raise OutsideTransaction(
            f"{entity}.{kind} is an event: write it in `database.transaction()`, so that the "
            "row and its event are committed together"
        )
    return outbox


def event_data(schema: type[BaseModel], row: BaseModel | Mapping[str, Any]) -> str:
    """An event's `data`: the row as `schema` reads it, its fields only (never what the row has
    besides, a password's hash); a deleted row's `id` (and its owner, where rows have owners:
    who may still hear of it)."""
    if not isinstance(row, BaseModel):
        return json.dumps(row)
    if type(row) is schema:
        return row.model_dump_json()
    fields = {name: getattr(row, name) for name in schema.model_fields}
    return schema.model_construct(**fields).model_dump_json()


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    """`NAME.created`, `NAME.updated` or `NAME.deleted`."""
    occurred_at: datetime
    data: str
    """The row as the API reads it (its `id` only, once deleted), as JSON text."""

    def body(self) -> bytes:
        """The event as the contract shapes it, as JSON: what a webhook and a feed send."""
        head = json.dumps(
            {"id": str(self.id), "type": self.type, "occurred_at": self.occurred_at.isoformat()}
        )
        return f'{head[:-1]}, "data": {self.data}}}'.encode()


@dataclass(frozen=True, slots=True)
class Claimed:
    """An event claimed for delivery: no one else delivers it until its lease ends."""

    event: Event
    attempt: int
    """This delivery's number: 1 the first time."""
    undelivered: list[str] | None
    """The URLs still to receive it; `None`: every URL configured."""


@dataclass(frozen=True, slots=True)
class Parked:
    event: Event
    attempts: int
    undelivered: list[str] | None
    last_error: str | None


class EventStore(Protocol):
    """The outbox's side for delivery; every method is one short unit of work of its own."""

    async def claim(self, *, lease_seconds: float, limit: int) -> list[Claimed]:
        """Events due for delivery, each leased for `lease_seconds` and its attempt counted:
        one that is not settled before the lease ends (its deliverer died) is due again."""
        ...

    async def delivered(self, keys: list[int]) -> None: ...

    async def retry_later(
        self, key: int, *, seconds: float, undelivered: list[str], error: str
    ) -> None: ...

    async def park(self, key: int, *, undelivered: list[str], error: str) -> None:
        """Stop delivering the event: it stays, visible and retryable, until `retry`."""
        ...

    async def parked(self, limit: int) -> list[Parked]: ...

    async def retry(self, key: int | None = None) -> list[int]:
        """Parked events (all, or the one of `key`) due again with their attempts anew."""
        ...

    async def after(self, key: int, limit: int) -> list[Event]:
        """The events kept after the one of `key`, oldest first."""
        ...

    async def of_entity(self, entity: str, key: int, limit: int) -> list[Event]:
        """`entity`'s events kept after the one of `key`, oldest first (a feed's replay)."""
        ...

    async def any_due(self) -> bool: ...

    async def prune(self, older_than: datetime, limit: int) -> int:
        """Delete settled events older than `older_than` (at most `limit`); how many."""
        ...


def undelivered_of(text: str | None) -> list[str] | None:
    return None if text is None else list(json.loads(text))
