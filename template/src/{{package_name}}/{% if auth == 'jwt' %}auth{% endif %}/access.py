"""Who is calling: request dependencies that read the bearer token or the API key
(`X-API-Key`, which acts as its user), and the policy that a resource's writes need a signed-in
user while its reads stay public.

A route decides for itself by asking for the caller (`CurrentUser`, `AdminUser`,
`OptionalUser`, `SignedInUser`) or by being declared `@public` or `@admins_only` (`api.policy`);
every other write of a resource router gets `current_user` from the resources' route class
(`api.routes.ResourceRoute`)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from starlette.types import Scope

from ..api.errors import error_responses
from ..api.paths import V1
from ..api.policy import is_admins_only
from .callers import Principal
from .tokens import InvalidToken

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

PUBLIC_ATTRIBUTE = "__public__"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

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
    request: Request,
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


def _asks_for_the_caller(dependant: Dependant) -> bool:
    return dependant.call in (bearer, api_key_header) or any(
        _asks_for_the_caller(d) for d in dependant.dependencies
    )


def _route_asks_for_the_caller(
    path: str, endpoint: Callable[..., Any], options: dict[str, Any]
) -> bool:
    """Through the endpoint's parameters or the route's `dependencies`."""
    declared = [get_dependant(path=path, call=endpoint)]
    declared += [
        get_dependant(path=path, call=depends.dependency)
        for depends in options.get("dependencies") or ()
        if depends.dependency is not None
    ]
    return any(_asks_for_the_caller(dependant) for dependant in declared)


def guarded(path: str, endpoint: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """A resource route's options with the caller it needs and the answers that can bring: an
    admin for `@admins_only`; a route that asks for the caller itself keeps its own way and
    documents the 401 a token that is not valid gets; a write that is not `@public` gets a
    signed-in user; anyone otherwise."""
    if is_admins_only(endpoint):
        return _needing(admin_user, options, 401, 403)
    if _route_asks_for_the_caller(path, endpoint, options):
        return _documenting(options, 401)
    writes = set(options.get("methods") or ()) & WRITES
    if writes and not getattr(endpoint, PUBLIC_ATTRIBUTE, False):
        return _needing(current_user, options, 401)
    return options


def _needing(
    caller: Callable[..., Awaitable[Principal]], options: dict[str, Any], *codes: int
) -> dict[str, Any]:
    dependencies = [Depends(caller), *(options.get("dependencies") or ())]
    with_caller = {**options, "dependencies": dependencies}
    return _documenting(with_caller, *codes)


def _documenting(options: dict[str, Any], *codes: int) -> dict[str, Any]:
    """The route's own wording of a status wins."""
    return {**options, "responses": {**error_responses(*codes), **(options.get("responses") or {})}}
