"""How the `auth` package finds the caller of a token or an API key: the user as stored now, in a
sign-in that has not ended or with a key that exists and has not expired, so that a deactivated
or deleted user's tokens and keys, those of an ended sign-in and deleted keys stop working
(within `AUTH_REVOCATION_SECONDS` on other processes)."""

from ...auth import Principal
from ...auth.tokens import Bearer
from ...db import Database
from ...db.clock import utcnow
from .repository import ApiKeyRepository, UserRepository


async def find_caller(database: Database, bearer: Bearer) -> Principal | None:
    async with database.reader() as unit:
        return await UserRepository(unit).caller(bearer.user_id, bearer.session)


async def find_key_holder(database: Database, digest: str) -> Principal | None:
    async with database.reader() as unit:
        return await ApiKeyRepository(unit).holder(digest, utcnow())
