"""How the `auth` package finds the caller of a token: the user as stored now, in a sign-in that
has not ended, so that a deactivated or deleted user's tokens, and those of an ended sign-in,
stop working (within `AUTH_REVOCATION_SECONDS` on other processes)."""

from ...auth import Principal
from ...auth.tokens import Bearer
from ...db import Database
from .repository import UserRepository


async def find_caller(database: Database, bearer: Bearer) -> Principal | None:
    async with database.reader() as unit:
        return await UserRepository(unit).caller(bearer.user_id, bearer.session)
