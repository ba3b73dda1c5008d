"""Who may follow a resource's live feed (`api.feeds`), by the rule its router reads with. The
caller is proved as for a request (`Authorization: Bearer`, `X-API-Key`) or, from a browser,
whose WebSocket cannot send headers, by the subprotocols `["bearer", TOKEN]`: the token stays
out of URLs and their logs. The feed closes when the access token ends, and when the caller
would no longer be let in (checked every `AUTH_REVOCATION_SECONDS`, a second at least)."""

from fastapi import HTTPException
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import HTTPConnection

from ..db.data import DatabaseUnavailable
from ..events.feeds import Admitted, FeedEvent, Follows, everything
from .access import optional_user
from .callers import Principal
from .policies import ANYONE, OWNER, Rule

BEARER = "bearer"
MIN_RECHECK_SECONDS = 1.0


async def admit(connection: HTTPConnection, rule: Rule) -> Admitted | None:
    """How `rule`'s callers follow (an owner's rule: their own rows', or every row's for an
    admin); `None` for a caller the rule does not admit."""
    subprotocol, token = _offered(connection)
    if rule is ANYONE:
        return Admitted(subprotocol=subprotocol)
    if token is None:  # as `access.bearer` reads it from a request
        authorization = connection.headers.get("authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        token = credentials if scheme.lower() == BEARER and credentials else None
    key = connection.headers.get("x-api-key")
    try:
        caller = await optional_user(connection, token, key)
    except HTTPException:  # a token or key that is not valid
        return None
    if caller is None or not rule.admits_the_role(caller):
        return None

    async def still_admitted() -> bool:
        """The caller as the database says now (as a request would see it): the same role."""
        try:
            again = await optional_user(connection, token, key)
        except HTTPException:
            return False
        except DatabaseUnavailable:  # asked again on the next round
            return True
        return again is not None and again.role == caller.role

    state = connection.app.state
    return Admitted(
        follows=_owned_by(caller) if rule is OWNER and not caller.is_admin else everything,
        subprotocol=subprotocol,
        until=None if token is None else state.auth.tokens.read(token).expires_at,
        still_admitted=still_admitted,
        recheck_seconds=max(MIN_RECHECK_SECONDS, state.settings.auth_revocation_seconds),
    )


def _owned_by(caller: Principal) -> Follows:
    def follows(event: FeedEvent) -> bool:
        return event.owner == caller.id

    return follows


def _offered(connection: HTTPConnection) -> tuple[str | None, str | None]:
    """The subprotocol to answer with and the token, when the client offers `bearer, TOKEN`."""
    offered = connection.scope.get("subprotocols") or []
    if len(offered) == 2 and offered[0] == BEARER:
        return BEARER, offered[1]
    return None, None
