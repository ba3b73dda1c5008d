"""Sign-in attempts are counted before the password is checked, each attempt taken and counted
in one step, so that attempts arriving together cannot get past the limits:

- per account and client address: past `AUTH_LOGIN_ATTEMPTS_PER_ACCOUNT` failed attempts, that
  address gets 429 for that account until the window ends;
- per client address: past `AUTH_LOGIN_ATTEMPTS_PER_ADDRESS` attempts on any accounts, 429;
- per account from every address: past `AUTH_LOGIN_SLOWDOWN_AFTER`, each attempt on the account
  waits first, twice as long each time up to `AUTH_LOGIN_SLOWDOWN_MAX_SECONDS`. An attack spread
  over many addresses is slowed, and nobody can lock the owner out: their attempt from their own
  address waits at most that long, then succeeds.

A refused attempt checks no password (it spares the hashing threads). An attempt that turns out
right is taken back from its address's count, and clears its account's.

Open registration is counted per client address too (`AUTH_REGISTRATIONS_PER_ADDRESS`), and
password reset requests per client address (as sign-in attempts are) and per account
(`AUTH_PASSWORD_RESETS_PER_ACCOUNT`)."""

import hashlib
import math
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

from ..cache.counters import Counters
from ..settings import Settings

SLOWDOWN_FIRST_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Attempt:
    """An attempt counted ahead of its password check."""

    account: str
    address: str
    retry_after: int | None
    """Seconds until the caller may try again: refused now (429); `None` when allowed."""
    wait_seconds: float
    """How long the attempt waits before its check (an account under attack)."""


class LoginLimiter:
    def __init__(self, counters: Counters, settings: Settings) -> None:
        self._counters = counters
        self._window = settings.auth_login_window_seconds
        self._per_pair = settings.auth_login_attempts_per_account
        self._per_address = settings.auth_login_attempts_per_address
        self._slowdown_after = settings.auth_login_slowdown_after
        self._slowdown_max = settings.auth_login_slowdown_max_seconds
        self._registrations = settings.auth_registrations_per_address
        self._resets = settings.auth_password_resets_per_account

    async def attempt(self, account: str, address: str) -> Attempt:
        account = _digest(account)
        pair = await self._counters.hit(_pair(account, address), self._window)
        by_address = await self._counters.hit(_address(address), self._window)
        by_account = await self._counters.hit(_account(account), self._window)
        over = [
            seconds_left
            for (count, seconds_left), limit in (
                (pair, self._per_pair),
                (by_address, self._per_address),
            )
            if count > limit
        ]
        beyond = by_account.events - self._slowdown_after
        doubled = SLOWDOWN_FIRST_SECONDS * 2 ** min(beyond - 1, 16)
        wait = min(self._slowdown_max, doubled) if beyond > 0 else 0.0
        retry_after = max(1, math.ceil(max(over))) if over else None
        return Attempt(account, address, retry_after, wait)

    async def registration(self, address: str) -> int | None:
        """Counts an account made by someone who is not an admin; seconds until that address
        may make another when it is over the limit, else `None`."""
        count, seconds_left = await self._counters.hit(_registering(address), self._window)
        return max(1, math.ceil(seconds_left)) if count > self._registrations else None

    async def by_address(self, address: str) -> int | None:
        """Counts a request of a password reset or of its confirmation as an attempt of its
        address: seconds until it may try again when it is over its limit, else `None`."""
        count, seconds_left = await self._counters.hit(_address(address), self._window)
        return max(1, math.ceil(seconds_left)) if count > self._per_address else None

    async def reset_message(self, account: str) -> bool:
        """Counts a reset message asked for `account`: whether it may be sent another. Counted
        whether or not the account exists: the answer tells nothing."""
        count, _ = await self._counters.hit(f"reset-account:{_digest(account)}", self._window)
        return count <= self._resets

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: not a failure of its address; the account's are forgiven."""
        await self._counters.take_back(_address(attempt.address))
        await self._counters.clear(_pair(attempt.account, attempt.address))
        await self._counters.clear(_account(attempt.account))


def client_address(request: Request) -> str:
    """Whom the limits count by, as the trusted proxies say."""
    return request.client.host if request.client else "unknown"


def too_many(detail: str, retry_after: int) -> HTTPException:
    """A limit's 429, saying when to try again."""
    headers = {"Retry-After": str(retry_after)}
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail=detail, headers=headers)


def _digest(account: str) -> str:
    """How an account is named in the counters' keys: not its address."""
    return hashlib.sha256(account.encode("utf-8", "replace")).hexdigest()[:32]


def _pair(account: str, address: str) -> str:
    return f"login:{account}:{address}"


def _address(address: str) -> str:
    return f"login-address:{address}"


def _account(account: str) -> str:
    return f"login-account:{account}"


def _registering(address: str) -> str:
    return f"register-address:{address}"
