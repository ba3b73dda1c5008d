"""Who is calling: request dependencies that read the bearer token or the API key
(`X-API-Key`, which acts as its user). A route asks for the caller (`CurrentUser`, `AdminUser`,
`OptionalUser`, `SignedInUser`), or a resource's policy (`auth.policies`) asks for it."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Security, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from starlette.requests import HTTPConnection
from starlette.types import Scope

from ..api.paths import V1
from .callers import Principal
from .tokens import InvalidToken

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

PUBLIC_ATTRIBUTE = "__public__"

bearer = OAuth2PasswordBearer(
    tokenUrl=f"{V1}/auth/token",
    scheme_name="bearer",
    description="An access token from `POST /api/v1/auth/token`.",
    auto_error=False,
)
api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="apiKey",
    description="A key from `POST /api/v1/api-keys`: acts as the user who made it.",
    auto_error=False,
)


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def optional_user(
    request: HTTPConnection,
    token: Annotated[str | None, Security(bearer)],
    key: Annotated[str | None, Security(api_key_header)],
) -> Principal | None:
    """The caller, or `None` without a token or key; a token that is not valid, whose user is
    gone or deactivated, or whose sign-in ended, answers 401, as does a key that is unknown,
    deleted, expired, or whose user is gone or deactivated. A token wins over a key."""
    state = request.app.state
    if token is None:
        if key is None:
            return None
        holder: Principal | None = await state.auth.callers.find_by_key(state.database, key)
        if holder is None:
            raise unauthorized("The API key is not valid")
        return holder
    try:
        bearer_of = state.auth.tokens.read(token)
    except InvalidToken:
        raise unauthorized("The access token is not valid") from None
    user: Principal | None = await state.auth.callers.find(state.database, bearer_of)
    if user is None:
        raise unauthorized("The access token is not valid")
    return user


async def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    if user is None:
        raise unauthorized("Not authenticated")
    return user


async def signed_in_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    """A caller who signed in with a password, not with an API key: what a leaked key must not
    reach (its user's password, new keys)."""
    if user.api_key is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Sign in to do this, not with a key")
    return user


async def admin_user(user: Annotated[Principal, Depends(current_user)]) -> Principal:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Only admins may do this")
    return user


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]
SignedInUser = Annotated[Principal, Depends(signed_in_user)]
AdminUser = Annotated[Principal, Depends(admin_user)]


async def caller_of(scope: Scope) -> str | None:
    """Whom a request's token or key proves it is, for the rate limits: the user of a token
    whose signature holds (whether its sign-in still lives is the route's question), the key
    that exists; `None` for anything else, counted by its address."""
    headers = dict(scope["headers"])
    state = scope["app"].state
    authorization = headers.get(b"authorization", b"")
    if authorization[:7].lower() == b"bearer ":
        try:
            return f"user:{state.auth.tokens.read(authorization[7:].decode('latin-1')).user_id}"
        except InvalidToken:
            return None
    key = headers.get(b"x-api-key")
    if key is not None:
        holder = await state.auth.callers.find_by_key(state.database, key.decode("latin-1"))
        return None if holder is None else f"key:{holder.api_key}"
    return None


def public(endpoint: Endpoint) -> Endpoint:
    """Declare a write that anyone may call (a sign-in, a contact form)."""
    setattr(endpoint, PUBLIC_ATTRIBUTE, True)
    return endpoint
