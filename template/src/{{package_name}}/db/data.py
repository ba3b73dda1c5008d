"""What the data layer of every ORM promises the API and the jobs.

`db.Database` (one implementation per ORM) opens units of work; a resource's repository is made
for one of them (`ItemRepository(unit)`), and several repositories may share one:

- `transaction()`: several statements that succeed or fail together; committed when the block
  ends, rolled back when it raises. A resource's create, update and delete are events, written
  to the outbox in the same transaction (`events`): they need one.
- `autocommit()`: each statement commits on its own: the cheapest way to make a single write
  that is not an event (a job's mark, a counter) durable.
- `reader()`: reads, with no transaction held open.

Every repository write records a `Change`; the data layer publishes them once committed. A
database that is down, stalled or out of connections raises `DatabaseUnavailable` (the API
answers 503) within `DATABASE_TIMEOUT_SECONDS`, never a hang. A write the database refuses
raises `ConflictError` (409) or `InvalidData` (422), whichever database and ORM refused it; a
write on a condition the row no longer meets raises `PreconditionFailed` (412).
"""


class ConflictError(Exception):
    """A write that clashes with other rows: a taken unique value, or a row still referenced by
    others. The API answers 409 with this message."""


class PreconditionFailed(Exception):
    """A write made on condition that the row is still the version the caller saw, which it no
    longer is (see `versions`). The API answers 412 with this message."""


class InvalidData(Exception):
    """A write the database refused as invalid: a reference to a row that does not exist, a
    missing value, a broken check. The API answers 422 naming `field` (when one is to blame)."""

    def __init__(self, message: str, *, field: str | None = None, kind: str = "invalid") -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind


class DatabaseUnavailable(Exception):
    """The database did not answer in time, refused, or dropped the connection: worth another
    try later. Carries a short reason, never an address."""
