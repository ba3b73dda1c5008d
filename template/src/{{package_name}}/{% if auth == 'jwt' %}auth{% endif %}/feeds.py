"""Who may follow a resource's live feed (`api.feeds`), by the rule its router reads with. The
caller is proved as for a request (`Authorization: Bearer`, `X-API-Key`) or, from a browser,
whose WebSocket cannot send headers, by the subprotocols `["bearer", TOKEN]`: the token stays
out of URLs and their logs. The feed closes when the access token ends."""

from fastapi import HTTPException
from starlette.requests import HTTPConnection

from ..events.feeds import Admitted, FeedEvent, Follows
from .access import optional_user
from .callers import Principal
from .policies import ANYONE, OWNER, Rule

BEARER = "bearer"


async def admit(connection: HTTPConnection, rule: Rule) -> Admitted | None:
    """How `rule`'s callers follow (an owner's rule: their own rows', or every row's for an
    admin); `None` for a caller the rule does not admit."""
    subprotocol, token = _offered(connection)
    if rule is ANYONE:
        return Admitted(subprotocol=subprotocol)
    if token is None:
        scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
        token = credentials if scheme.lower() == BEARER and credentials else None
    try:
        caller = await optional_user(connection, token, connection.headers.get("x-api-key"))
    except HTTPException:  # a token or key that is not valid
        return None
    if caller is None:
        return None
    if rule.role is not None and caller.role != rule.role and not caller.is_admin:
        return None
    until = None if token is None else connection.app.state.auth.tokens.read(token).expires_at
    if rule is OWNER and not caller.is_admin:
        return Admitted(_owned_by(caller), subprotocol, until)
    return Admitted(subprotocol=subprotocol, until=until)


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
