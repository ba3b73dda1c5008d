"""The roles a user can have, declared in this one place: `admin` runs the service (users,
operators' tools), `member` is everyone else. A service adds its own here (for example
`SUPPORT = "support"`); a resource's policy names them (`role:support`), and admins give them
with `PATCH /api/v1/users/{id}`."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


LONGEST_ROLE = 32
"""The column's width: a declared role's value fits it."""
