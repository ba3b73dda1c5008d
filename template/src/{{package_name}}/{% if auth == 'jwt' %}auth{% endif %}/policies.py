"""Who may read and who may write a resource's rows, declared once where its router is made:

    router = APIRouter(..., route_class=resource_route(read=ANYONE, write=OWNER))

`ANYONE` (no sign-in), `SIGNED_IN` (any user or API key), `OWNER` (signed in, and only their own
rows: the repository is given the caller as the owner; admins reach every row) and
`has_role(Role.SUPPORT)` (signed in with that role; 403 for other users). Admins pass every rule.
The route class (`api.routes`) gives each read the read rule's dependency and each write the
write rule's, and documents the 401 and 403 they can answer."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant

from ..api.errors import error_responses
from ..api.policy import is_admins_only
from .access import PUBLIC_ATTRIBUTE, admin_user, api_key_header, bearer, current_user
from .callers import Principal
from .roles import Role

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    """As `add resource` spells it: `public`, `user`, `owner`, `role:NAME`."""
    caller: Callable[..., Awaitable[Principal]] | None
    """The dependency that admits a caller, `None` for anyone."""
    answers: tuple[int, ...] = ()
    """What the dependency answers to a caller it does not admit."""
    role: str | None = None
    """The role it admits (and admins), if it admits one."""

    def __str__(self) -> str:
        return self.name

    def admits_the_role(self, caller: Principal) -> bool:
        """Whether a signed-in caller has what the rule asks of their role: nothing, the role,
        or being an admin, who passes every rule."""
        return self.role is None or caller.role == self.role or caller.is_admin


ANYONE = Rule("public", None)
SIGNED_IN = Rule("user", current_user, (401,))
OWNER = Rule("owner", current_user, (401,))
"""Signed in; the router gives the caller to the repository, which keeps them to their rows."""


def has_role(role: Role) -> Rule:
    """Signed in with `role` (or as an admin)."""

    async def holder_of_the_role(user: Annotated[Principal, Depends(current_user)]) -> Principal:
        if not rule.admits_the_role(user):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"Only {role} users may do this")
        return user

    rule = Rule(f"role:{role}", holder_of_the_role, (401, 403), role)
    return rule


ADMINS = Rule("admin", admin_user, (401, 403), Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Policy:
    read: Rule = ANYONE
    write: Rule = SIGNED_IN


def guarded(
    path: str, endpoint: Callable[..., Any], options: dict[str, Any], policy: Policy
) -> dict[str, Any]:
    """A resource route's options with the caller its rule needs and the answers that can bring:
    an admin for `@admins_only`; anyone for a `@public` write; else the policy's write rule for a
    write, its read rule for a read. A route that asks for the caller itself decides whether a
    signed-in user is enough (a registration open to anyone asks `OptionalUser`), and documents
    the 401 a token that is not valid gets; a role's or an owner's rule holds whatever it asks."""
    if is_admins_only(endpoint):
        return _needing(admin_user, options, 401, 403)
    writes = set(options.get("methods") or ()) & WRITES
    if writes and getattr(endpoint, PUBLIC_ATTRIBUTE, False):
        rule = ANYONE
    else:
        rule = policy.write if writes else policy.read
    asks_itself = _route_asks_for_the_caller(path, endpoint, options)
    if rule.caller is not None and not (rule is SIGNED_IN and asks_itself):
        return _needing(rule.caller, options, *rule.answers)
    return _documenting(options, 401) if asks_itself else options


def _asks_for_the_caller(dependant: Dependant) -> bool:
    return dependant.call in (bearer, api_key_header) or any(
        _asks_for_the_caller(d) for d in dependant.dependencies
    )


def _route_asks_for_the_caller(
    path: str, endpoint: Callable[..., Any], options: dict[str, Any]
) -> bool:
    """Through the endpoint's parameters or the route's `dependencies`."""
    declared = [get_dependant(path=path, call=endpoint)]
    declared += [
        get_dependant(path=path, call=depends.dependency)
        for depends in options.get("dependencies") or ()
        if depends.dependency is not None
    ]
    return any(_asks_for_the_caller(dependant) for dependant in declared)


def _needing(
    caller: Callable[..., Awaitable[Principal]], options: dict[str, Any], *codes: int
) -> dict[str, Any]:
    dependencies = [Depends(caller), *(options.get("dependencies") or ())]
    with_caller = {**options, "dependencies": dependencies}
    return _documenting(with_caller, *codes)


def _documenting(options: dict[str, Any], *codes: int) -> dict[str, Any]:
    """The route's own wording of a status wins."""
    return {**options, "responses": {**error_responses(*codes), **(options.get("responses") or {})}}
