"""Users sign in with an email and a password and are known by a bearer token: short-lived JWT
access tokens, and refresh tokens stored server side that rotate on every use. The users
resource (`resources/users/`) holds the accounts and the endpoints; this package is what it
builds on, plugged into the app by `install`, the option's one seam."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from ..settings import Settings
from .access import (
    AdminUser,
    CurrentUser,
    OptionalUser,
    SignedInUser,
    caller_of,
    public,
    unauthorized,
)
from .callers import Callers, FindCaller, FindKeyHolder, Principal
from .passwords import HashingBusy, Passwords
from .roles import Role
from .secret import signing_key
from .tokens import AccessTokens

__all__ = [
    "AdminUser",
    "Authenticator",
    "CurrentUser",
    "OptionalUser",
    "Principal",
    "Role",
    "SignedInUser",
    "caller_of",
    "install",
    "public",
    "unauthorized",
]


class Authenticator:
    """What signing in needs, made once per app: the token codec, the password hashing and the
    callers of tokens."""

    def __init__(
        self, settings: Settings, find_caller: FindCaller, find_key_holder: FindKeyHolder
    ) -> None:
        self.key = signing_key(settings)
        """Signs access tokens, and makes password reset tokens."""
        self.tokens = AccessTokens(
            self.key,
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            lifetime_seconds=settings.auth_access_token_seconds,
        )
        self.passwords = Passwords.from_settings(settings)
        self.callers = Callers(find_caller, find_key_holder, settings.auth_revocation_seconds)


def install(
    app: FastAPI, settings: Settings, find_caller: FindCaller, find_key_holder: FindKeyHolder
) -> None:
    """Refuses to make the app without a strong signing key (see `secret`)."""
    app.state.auth = Authenticator(settings, find_caller, find_key_holder)
    retry_after = str(settings.retry_after_seconds)

    async def busy(_: Request, __: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": "Too many password checks at once; try again shortly"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": retry_after},
        )

    app.add_exception_handler(HashingBusy, busy)
