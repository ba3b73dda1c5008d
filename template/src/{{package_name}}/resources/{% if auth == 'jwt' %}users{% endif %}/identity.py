"""How the `auth` package finds the caller of a token: the user as stored now, so that a
deactivated or deleted user's token stops working at once."""

from ...auth import Principal
from ...db import Database
from .repository import UserRepository


async def find_active_user(database: Database, user_id: int) -> Principal | None:
    async with database.reader() as unit:
        user = await UserRepository(unit).get(user_id)
    if user is None or not user.is_active:
        return None
    return Principal(id=user.id, email=user.email, is_admin=user.is_admin)
