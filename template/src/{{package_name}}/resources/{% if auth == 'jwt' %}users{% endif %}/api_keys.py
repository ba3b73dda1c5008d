"""API keys: a user makes named keys for the programs that act as them (`X-API-Key`), sees the
list of their own, and deletes them. A key is shown once, at its creation; only its digest is
stored. A key acts under its user's role and policies, and stops working when it is deleted or
expires, or its user is deactivated or deleted (within `AUTH_REVOCATION_SECONDS` elsewhere)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status

from ...api.deps import AuthenticatorDep, CurrentUser, DatabaseDep, SignedInUser
from ...api.errors import error_responses
from ...api.fields import id_path
from ...api.lists import ListRequest, list_parameters
from ...api.paths import V1
from ...api.routes import ResourceRoute
from ...auth.tokens import new_api_key
from .repository import ApiKeyRepository
from .schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyRead

router = APIRouter(prefix=f"{V1}/api-keys", tags=["api keys"], route_class=ResourceRoute)
KEYS_PER_USER = 100
"""Keys a user keeps at most, expired ones included: a leaked sign-in cannot mint keys without
end, and each list stays one page."""
ApiKeyId = Annotated[int, id_path("API key")]
Listed = Annotated[ListRequest, Depends(list_parameters(ApiKeyCreate, ApiKeyRepository.listed_by))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        400, 401, 403, 409, 413, 422, 503, meaning={403: "Made with a key", 409: "Too many keys"}
    ),
)
async def create_api_key(
    payload: ApiKeyCreate, user: SignedInUser, database: DatabaseDep
) -> ApiKeyCreated:
    """Make a key that acts as the signed-in user, until `expires_at` if given. The answer's
    `key` is shown this once. A key cannot make keys: sign in to make one. A user keeps at most
    100 keys (409 past them: delete one first)."""
    key, digest = new_api_key()
    values = {**payload.model_dump(), "key_hash": digest, "user_id": user.id}
    async with database.transaction() as unit:
        keys = ApiKeyRepository(unit)
        if await keys.count_of(user.id) >= KEYS_PER_USER:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail=f"A user keeps at most {KEYS_PER_USER} API keys; delete one first",
            )
        made = await keys.add(values)
    return ApiKeyCreated.model_validate({**made.model_dump(), "key": key})


@router.get("", responses=error_responses(401, 422, 503))
async def list_api_keys(user: CurrentUser, database: DatabaseDep, listed: Listed) -> ApiKeyPage:
    """The caller's own keys (never the keys themselves), by id."""
    async with database.reader() as unit:
        page = await ApiKeyRepository(unit).page(listed.query, owner=user.id)
    keys = [ApiKeyRead.model_validate(key, from_attributes=True) for key in page.rows]
    return ApiKeyPage.model_construct(api_keys=keys, **listed.answer(page))


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 404, 422, 503, resource="API key"),
)
async def delete_api_key(
    key_id: ApiKeyId, user: CurrentUser, database: DatabaseDep, auth: AuthenticatorDep
) -> Response:
    """Delete one of the caller's keys: it answers 401 from now on (on other processes within
    `AUTH_REVOCATION_SECONDS`)."""
    async with database.transaction() as unit:
        deleted = await ApiKeyRepository(unit).delete(key_id, owner=user.id)
    if not deleted:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"API key {key_id} not found")
    auth.callers.forget(user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
