"""Accounts: who am I, new accounts (by admins, or by anyone when
`AUTH_OPEN_REGISTRATION=true`), and the list of them for admins."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from ...api.deps import (
    AuthenticatorDep,
    CurrentUser,
    DatabaseDep,
    LoginLimiterDep,
    OptionalUser,
    SettingsDep,
)
from ...api.errors import error_responses
from ...api.lists import ListRequest, list_parameters
from ...api.paths import V1
from ...api.policy import admins_only
from ...api.routes import ResourceRoute
from ...auth import unauthorized
from ...db.data import ConflictError
from .repository import UserRepository
from .schemas import UserCreate, UserPage, UserRead

router = APIRouter(prefix=f"{V1}/users", tags=["users"], route_class=ResourceRoute)
TAKEN = "An account with this email exists"
TOO_MANY = "Too many accounts created from this address; try again later"
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
    """Create an account. Admins may create any; anyone else only when open registration is
    on, never an admin, and `AUTH_REGISTRATIONS_PER_ADDRESS` per client address in a window.
    The email is stored lower-cased, one account per address."""
    is_admin = caller is not None and caller.is_admin
    if not is_admin and not settings.auth_open_registration:
        if caller is None:
            raise unauthorized("Not authenticated")
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Only admins may create accounts")
    if payload.is_admin and not is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Only admins may create admins")
    if not is_admin:
        address = request.client.host if request.client else "unknown"
        retry_after = await limiter.registration(address)
        if retry_after is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=TOO_MANY,
                headers={"Retry-After": str(retry_after)},
            )
    password_hash = await auth.passwords.hash(payload.password)
    account = {"email": payload.email, "password_hash": password_hash, "is_admin": payload.is_admin}
    try:
        async with database.autocommit() as unit:
            user = await UserRepository(unit).add(account)
    except ConflictError:
        raise ConflictError(TAKEN) from None  # the message of the unique index names the address
    return UserRead.model_validate(user, from_attributes=True)
