"""Signing in and out: a password buys an access token and a refresh token; a refresh token buys
a new pair once (rotation), and presenting it a second time revokes every token descended from
the same sign-in, since one of the two presenters has stolen it. A sign-in that ends (logout, a
reused refresh token) ends its access tokens too: see `auth.callers`."""

from asyncio import sleep
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from ...api.deps import AuthenticatorDep, DatabaseDep, LoginLimiterDep, SettingsDep
from ...api.errors import error_responses
from ...api.paths import V1
from ...api.routes import ResourceRoute
from ...auth import Authenticator, public, unauthorized
from ...auth.limiter import client_address, too_many
from ...auth.tokens import new_refresh_token, new_session, stored_digest
from ...db.clock import utcnow
from ...settings import Settings
from .repository import RefreshTokenRepository, UserRepository
from .schemas import RefreshRequest, TokenPair

router = APIRouter(prefix=f"{V1}/auth", tags=["auth"], route_class=ResourceRoute)
BAD_CREDENTIALS = "Incorrect email or password"
LONGEST_PASSWORD = 1024
LONGEST_EMAIL = 320


async def _new_pair(
    tokens: RefreshTokenRepository,
    auth: Authenticator,
    settings: Settings,
    user_id: int,
    session: str | None = None,
) -> TokenPair:
    """A pair in the sign-in `session`, or in a new one."""
    session = session or new_session()
    refresh_token, digest = new_refresh_token()
    expires_at = utcnow() + timedelta(seconds=settings.auth_refresh_token_seconds)
    await tokens.add(
        {"token_hash": digest, "family": session, "user_id": user_id, "expires_at": expires_at}
    )
    return TokenPair(
        access_token=auth.tokens.issue(user_id, session),
        refresh_token=refresh_token,
        expires_in=settings.auth_access_token_seconds,
    )


@router.post("/token", responses=error_responses(400, 401, 413, 422, 429, 503))
@public
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    database: DatabaseDep,
    auth: AuthenticatorDep,
    limiter: LoginLimiterDep,
    settings: SettingsDep,
) -> TokenPair:
    """Exchange an email (`username`) and a password for a bearer access token and a refresh
    token (OAuth2's password flow). A wrong email and a wrong password answer the same 401.
    Too many attempts on an account from one address, or from one address on any, answer 429
    until `Retry-After`; an account attacked from many addresses answers more slowly, never
    429 to its owner. Too many password checks at once answer 503."""
    email = form.username.strip().lower()
    attempt = await limiter.attempt(email, client_address(request))
    if attempt.retry_after is not None:
        raise too_many("Too many failed sign-ins; try again later", attempt.retry_after)
    if attempt.wait_seconds:
        await sleep(attempt.wait_seconds)
    user = None
    if len(form.password) <= LONGEST_PASSWORD and len(email) <= LONGEST_EMAIL:
        async with database.reader() as unit:
            user = await UserRepository(unit).by_email(email)
    matches, new_hash = await auth.passwords.verify(
        form.password[:LONGEST_PASSWORD], user.password_hash if user else None
    )
    if user is None or not matches or not user.is_active:
        raise unauthorized(BAD_CREDENTIALS)  # the attempt stays counted: it failed
    await limiter.succeeded(attempt)
    async with database.transaction() as unit:
        if new_hash is not None:  # hashed with older parameters: stored anew
            await UserRepository(unit).update(user.id, {"password_hash": new_hash})
        return await _new_pair(RefreshTokenRepository(unit), auth, settings, user.id)


@router.post("/refresh", responses=error_responses(400, 401, 413, 422, 503))
@public
async def refresh(
    body: RefreshRequest, database: DatabaseDep, auth: AuthenticatorDep, settings: SettingsDep
) -> TokenPair:
    """Exchange a refresh token for a new pair; the one presented stops working. Presenting
    a used one again ends its sign-in: every token of it answers 401."""
    digest = stored_digest(body.refresh_token)
    now = utcnow()
    reused_by = None
    async with database.transaction() as unit:
        tokens = RefreshTokenRepository(unit)
        used = await tokens.use(digest, now)
        if used is None:
            reused = await tokens.of_digest(digest)
            if reused is not None:  # a reuse: committed, then refused
                await tokens.revoke_family(reused.family, now)
                reused_by = reused.user_id
        elif used.expires_at > now:
            user = await UserRepository(unit).get(used.user_id)
            if user is not None and user.is_active:
                return await _new_pair(tokens, auth, settings, user.id, used.family)
    if reused_by is not None:
        auth.callers.forget(reused_by)
    raise unauthorized("The refresh token is not valid")


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 413, 422, 503),
)
@public
async def sign_out(body: RefreshRequest, database: DatabaseDep, auth: AuthenticatorDep) -> Response:
    """End the sign-in of the refresh token: it and every token of the sign-in, access tokens
    included, answer 401 (on other processes within `AUTH_REVOCATION_SECONDS`). Answers 204
    whether or not the token was known."""
    async with database.transaction() as unit:
        tokens = RefreshTokenRepository(unit)
        token = await tokens.of_digest(stored_digest(body.refresh_token))
        if token is not None:
            await tokens.revoke_family(token.family, utcnow())
    if token is not None:
        auth.callers.forget(token.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
