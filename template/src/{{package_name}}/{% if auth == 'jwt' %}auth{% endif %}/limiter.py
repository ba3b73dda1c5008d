"""Failed logins are limited per account and per client address: past the limit, a login answers
429 with `Retry-After` until the window ends, without checking the password (which spares the
hashing threads too). A successful login clears its account's count."""

import math

from ..counters import Counters
from ..settings import Settings


class LoginLimiter:
    def __init__(self, counters: Counters, settings: Settings) -> None:
        self._counters = counters
        self._window = settings.auth_login_window_seconds
        self._limits = {
            "account": settings.auth_login_attempts_per_account,
            "address": settings.auth_login_attempts_per_address,
        }

    async def retry_after(self, account: str, address: str) -> int | None:
        """Seconds until a login for `account` from `address` is allowed again; `None` if it is."""
        waits = []
        for kind, key in self._keys(account, address):
            count, left = await self._counters.count(key)
            if count >= self._limits[kind]:
                waits.append(max(1, math.ceil(left)))
        return max(waits) if waits else None

    async def failed(self, account: str, address: str) -> None:
        for _, key in self._keys(account, address):
            await self._counters.add(key, self._window)

    async def succeeded(self, account: str) -> None:
        await self._counters.clear(f"login-failures:account:{account}")

    @staticmethod
    def _keys(account: str, address: str) -> list[tuple[str, str]]:
        return [
            ("account", f"login-failures:account:{account}"),
            ("address", f"login-failures:address:{address}"),
        ]
