"""Accounts: who am I and my password, new accounts (by admins, or by anyone when
`AUTH_OPEN_REGISTRATION=true`), and running them for admins: list, read, deactivate, give a
role, delete. Whatever ends an account's sign-ins ends its access tokens too (`auth.callers`)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from ...api.deps import (
    AdminUser,
    AuthenticatorDep,
    CurrentUser,
    DatabaseDep,
    LoginLimiterDep,
    OptionalUser,
    SettingsDep,
    SignedInUser,
)
from ...api.errors import error_responses
from ...api.feeds import add_live_feed
from ...api.fields import id_path
from ...api.lists import ListRequest, list_parameters
from ...api.paths import V1
from ...api.policy import admins_only
from ...api.routes import ResourceRoute
from ...auth import Role, unauthorized
from ...auth.limiter import client_address, too_many
from ...db.clock import utcnow
from ...db.data import ConflictError
from .repository import RefreshTokenRepository, UserRepository
from .schemas import PasswordChange, UserChange, UserCreate, UserPage, UserRead

router = APIRouter(prefix=f"{V1}/users", tags=["users"], route_class=ResourceRoute)
TAKEN = "An account with this email exists"
TOO_MANY = "Too many accounts created from this address; try again later"
WRONG_PASSWORD = "The current password is not right"
YOURSELF = "Admins change or delete their own account through another admin"
STILL_REFERRED = {409: "A reference of another row refers to the user"}
UserId = Annotated[int, id_path("user")]
Listed = Annotated[ListRequest, Depends(list_parameters(UserCreate, UserRepository.listed_by))]


@router.get("", responses=error_responses(422, 503))
@admins_only
async def list_users(database: DatabaseDep, listed: Listed) -> UserPage:
    """One page of accounts, for admins: filtered and sorted as the parameters say (by id
    without `sort`), with their total number (null past `LIST_COUNT_LIMIT`) and `next_cursor`,
    which the next page starts from."""
    async with database.reader() as unit:
        page = await UserRepository(unit).page(listed.query)
    users = [UserRead.model_validate(user, from_attributes=True) for user in page.rows]
    return UserPage.model_construct(users=users, **listed.answer(page))


@router.get("/me", responses=error_responses(401, 503))
async def read_me(user: CurrentUser, database: DatabaseDep) -> UserRead:
    """The signed-in user's account."""
    async with database.reader() as unit:
        found = await UserRepository(unit).get(user.id)
    if found is None:  # deleted since the token was checked
        raise unauthorized("The access token is not valid")
    return UserRead.model_validate(found, from_attributes=True)


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 401, 403, 413, 422, 429, 503, meaning={403: WRONG_PASSWORD}),
)
async def change_my_password(
    change: PasswordChange,
    request: Request,
    user: SignedInUser,
    database: DatabaseDep,
    auth: AuthenticatorDep,
    limiter: LoginLimiterDep,
) -> Response:
    """Change the signed-in user's password; the current one is required, and wrong attempts
    count as failed sign-ins. Every other sign-in of the user ends; this one goes on. An API
    key cannot change it (403)."""
    attempt = await limiter.attempt(user.email, client_address(request))
    if attempt.retry_after is not None:
        raise too_many("Too many wrong passwords; try again later", attempt.retry_after)
    async with database.reader() as unit:
        stored = await UserRepository(unit).get(user.id)
    if stored is None:
        raise unauthorized("The access token is not valid")
    matches, _ = await auth.passwords.verify(change.current_password, stored.password_hash)
    if not matches:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=WRONG_PASSWORD)
    await limiter.succeeded(attempt)
    password_hash = await auth.passwords.hash(change.new_password)
    async with database.transaction() as unit:
        await UserRepository(unit).update(user.id, {"password_hash": password_hash})
        await RefreshTokenRepository(unit).end_sessions(user.id, utcnow(), keeping=user.session)
    auth.callers.forget(user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{user_id}", responses=error_responses(404, 422, 503, resource="user"))
@admins_only
async def read_user(user_id: UserId, database: DatabaseDep) -> UserRead:
    """One account, for admins."""
    async with database.reader() as unit:
        found = await UserRepository(unit).get(user_id)
    if found is None:
        raise _not_found(user_id)
    return UserRead.model_validate(found, from_attributes=True)


@router.patch(
    "/{user_id}",
    responses=error_responses(
        400, 403, 404, 413, 422, 503, resource="user", meaning={403: YOURSELF}
    ),
)
@admins_only
async def change_user(
    user_id: UserId,
    change: UserChange,
    admin: AdminUser,
    database: DatabaseDep,
    auth: AuthenticatorDep,
) -> UserRead:
    """Deactivate or reactivate an account, or give it a role (`admin`, `member`, or one the
    service declares). Deactivating ends every sign-in of the account. An admin's own account
    is changed by another admin, so that the last one cannot lock everyone out."""
    if user_id == admin.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=YOURSELF)
    changes = change.model_dump(exclude_unset=True, exclude_none=True)
    async with database.transaction() as unit:
        changed = await UserRepository(unit).update(user_id, changes)
        if changed is not None and changes.get("is_active") is False:
            await RefreshTokenRepository(unit).end_sessions(user_id, utcnow())
    if changed is None:
        raise _not_found(user_id)
    auth.callers.forget(user_id)
    return UserRead.model_validate(changed, from_attributes=True)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(
        403, 404, 409, 422, 503, resource="user", meaning={403: YOURSELF, **STILL_REFERRED}
    ),
)
@admins_only
async def delete_user(
    user_id: UserId, admin: AdminUser, database: DatabaseDep, auth: AuthenticatorDep
) -> Response:
    """Delete an account, its sign-ins and the rows it owns; refused with 409 while a reference
    of another row refers to it (deactivate it instead)."""
    if user_id == admin.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=YOURSELF)
    async with database.transaction() as unit:
        deleted = await UserRepository(unit).delete(user_id)
    if not deleted:
        raise _not_found(user_id)
    auth.callers.forget(user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _not_found(user_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"user {user_id} not found")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        400, 401, 403, 409, 413, 422, 429, 503, meaning={409: TAKEN, 429: TOO_MANY}
    ),
)
async def create_user(
    payload: UserCreate,
    request: Request,
    caller: OptionalUser,
    database: DatabaseDep,
    auth: AuthenticatorDep,
    limiter: LoginLimiterDep,
    settings: SettingsDep,
) -> UserRead:
    """Create an account. Admins may create any, with any role; anyone else only when open
    registration is on, only a member, and `AUTH_REGISTRATIONS_PER_ADDRESS` per client address
    in a window. The email is stored lower-cased, one account per address."""
    is_admin = caller is not None and caller.is_admin
    if not is_admin and not settings.auth_open_registration:
        if caller is None:
            raise unauthorized("Not authenticated")
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Only admins may create accounts")
    if payload.role != Role.MEMBER and not is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Only admins give roles")
    if not is_admin:
        retry_after = await limiter.registration(client_address(request))
        if retry_after is not None:
            raise too_many(TOO_MANY, retry_after)
    password_hash = await auth.passwords.hash(payload.password)
    account = {"email": payload.email, "password_hash": password_hash, "role": payload.role.value}
    try:
        async with database.transaction() as unit:
            user = await UserRepository(unit).add(account)
    except ConflictError:
        raise ConflictError(TAKEN) from None  # the message of the unique index names the address
    return UserRead.model_validate(user, from_attributes=True)


add_live_feed(router, "users", admins_only=True)
