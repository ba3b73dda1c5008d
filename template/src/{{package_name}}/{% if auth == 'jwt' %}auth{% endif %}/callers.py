"""Who a token's bearer or an API key's holder is now: the user as stored, while active, in a
sign-in that has not ended (by logout, a reused refresh token, a password change or reset,
deactivation or deletion), or with a key that exists and has not expired.

The answer is kept in each process for `AUTH_REVOCATION_SECONDS` (0 asks the database on every
request), so that bound is how long an ended sign-in's access tokens may still work on another
worker or replica; the process that ends a sign-in forgets its user at once."""

import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from ..db import Database
from .roles import Role
from .tokens import LONGEST_API_KEY, Bearer, stored_digest

KEPT_AT_MOST = 10_000
"""Callers kept per process; past it the oldest is forgotten first."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in caller, as the database said at most `AUTH_REVOCATION_SECONDS` ago."""

    id: int
    email: str
    role: str
    session: str
    """The sign-in the caller's token belongs to; empty for an API key."""
    api_key: int | None = None
    """The id of the API key the caller sent, if they did."""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


FindCaller = Callable[[Database, Bearer], Awaitable[Principal | None]]
"""The active user of a live sign-in, or `None`: given by the users resource to `auth.install`."""
FindKeyHolder = Callable[[Database, str], Awaitable[Principal | None]]
"""The active user of the API key with this digest, unexpired, or `None`: likewise."""


class Callers:
    def __init__(
        self,
        find: FindCaller,
        find_key_holder: FindKeyHolder,
        keep_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._find = find
        self._find_key_holder = find_key_holder
        self._keep_seconds = keep_seconds
        self._kept: dict[Hashable, tuple[float, Principal]] = {}
        self.clock = clock

    async def find(self, database: Database, bearer: Bearer) -> Principal | None:
        return await self._kept_or(
            (bearer.user_id, bearer.session), lambda: self._find(database, bearer)
        )

    async def find_by_key(self, database: Database, key: str) -> Principal | None:
        if len(key) > LONGEST_API_KEY:
            return None
        digest = stored_digest(key)
        return await self._kept_or(digest, lambda: self._find_key_holder(database, digest))

    def forget(self, user_id: int) -> None:
        """The user's sign-ins, keys or account changed here: ask the database next time."""
        for key in [key for key, (_, caller) in self._kept.items() if caller.id == user_id]:
            del self._kept[key]

    async def _kept_or(
        self, key: Hashable, look_up: Callable[[], Awaitable[Principal | None]]
    ) -> Principal | None:
        if self._keep_seconds <= 0:
            return await look_up()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > self.clock():
            return kept[1]
        caller = await look_up()
        if caller is None:
            self._kept.pop(key, None)
            return None
        if key not in self._kept and len(self._kept) >= KEPT_AT_MOST:
            del self._kept[next(iter(self._kept))]
        self._kept[key] = (self.clock() + self._keep_seconds, caller)
        return caller
