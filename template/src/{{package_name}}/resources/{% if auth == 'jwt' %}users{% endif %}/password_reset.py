"""Password reset by mail: a request answers 202 whatever the address, on the same path for an
address with an account and one without (the same statements, the message's job queued after the
response); the message's token works once, before `AUTH_PASSWORD_RESET_SECONDS` end, and resets
the password, ending every sign-in of the account."""

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response, status

from ...api.deps import AuthenticatorDep, DatabaseDep, LoginLimiterDep, SettingsDep
from ...api.errors import error_responses
from ...api.paths import V1
from ...api.routes import ResourceRoute
from ...auth import public
from ...auth.limiter import client_address, too_many
from ...auth.tokens import new_reset_nonce, password_reset_token, stored_digest
from ...db.clock import utcnow
from ...jobs.scheduler import JobsDep
from .jobs import SEND_PASSWORD_RESET
from .repository import PasswordResetRepository, RefreshTokenRepository, UserRepository
from .schemas import PasswordReset, PasswordResetRequest, PasswordResetSent

router = APIRouter(prefix=f"{V1}/auth/password-reset", tags=["auth"], route_class=ResourceRoute)
ON_ITS_WAY = "If the address has an account, a message to reset its password is on its way"
NOT_VALID = "The reset token is not valid, was used, or has expired"


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(400, 413, 422, 429, 503),
)
@public
async def ask_for_a_password_reset(
    body: PasswordResetRequest,
    request: Request,
    database: DatabaseDep,
    auth: AuthenticatorDep,
    limiter: LoginLimiterDep,
    settings: SettingsDep,
    jobs: JobsDep,
) -> PasswordResetSent:
    """Send the address's account a message with a token that resets its password. Answers 202
    whether or not the address has an account (nobody learns which addresses do); an account
    is sent at most `AUTH_PASSWORD_RESETS_PER_ACCOUNT` messages in a window. Too many requests
    from one address answer 429."""
    email = body.email.strip().lower()
    retry_after = await limiter.by_address(client_address(request))
    if retry_after is not None:
        raise too_many("Too many requests; try again later", retry_after)
    may_send = await limiter.reset_message(email)
    nonce, now = new_reset_nonce(), utcnow()
    digest = stored_digest(password_reset_token(auth.key, nonce))
    expires_at = now + timedelta(seconds=settings.auth_password_reset_seconds)
    reset_id = None
    if may_send:
        async with database.transaction() as unit:
            reset_id = await PasswordResetRepository(unit).ask(
                email, nonce, digest, expires_at, now
            )
    if reset_id is not None:
        jobs.after_response(SEND_PASSWORD_RESET, reset_id)
    return PasswordResetSent(detail=ON_ITS_WAY)


@router.post(
    "/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 413, 422, 429, 503, meaning={400: NOT_VALID}),
)
@public
async def reset_the_password(
    body: PasswordReset,
    request: Request,
    database: DatabaseDep,
    auth: AuthenticatorDep,
    limiter: LoginLimiterDep,
) -> Response:
    """Set a new password with the token of a reset's message: once, before it expires. Every
    sign-in of the account ends (its access tokens answer 401), and its other resets too. Too
    many attempts from one address answer 429."""
    retry_after = await limiter.by_address(client_address(request))
    if retry_after is not None:
        raise too_many("Too many attempts; try again later", retry_after)
    password_hash = await auth.passwords.hash(body.new_password)
    now = utcnow()
    async with database.transaction() as unit:
        user_id = await PasswordResetRepository(unit).redeem(stored_digest(body.token), now)
        if user_id is not None:
            await UserRepository(unit).update(user_id, {"password_hash": password_hash})
            await RefreshTokenRepository(unit).end_sessions(user_id, now)
    if user_id is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=NOT_VALID)
    auth.callers.forget(user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
