"""Which answers may be cached, declared next to the endpoint, on a resource router (its route
class is `api.routes.ResourceRoute`):

    @router.get("/{day}")
    @cacheable("reports:{day}")
    async def report(day: date) -> Report: ...

The key is formatted with the endpoint's validated path parameters. Name it `<table>:<id>` and
every committed write to that row invalidates it (see `changes.Change.name`). A cached answer is
served before the endpoint's dependencies run, so an endpoint whose dependencies read a header, a
cookie or a security scheme (an API key, a token) cannot be declared: that is refused when the
route is made, whether or not the service has a cache, so that adding one later changes no
resource. A declared answer is the same for every caller. Without a cache, the declaration
changes nothing else.
"""

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

CACHE_KEY_ATTRIBUTE = "__cache_key__"


def cacheable(key: str) -> Callable[[Endpoint], Endpoint]:
    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, CACHE_KEY_ATTRIBUTE, key)
        return endpoint

    return declare


def _reads_the_caller(dependant: Dependant) -> list[str]:
    """What the endpoint or any of its dependencies reads of the caller: headers, cookies,
    security schemes."""
    found = [f"header {param.alias!r}" for param in dependant.header_params]
    found += [f"cookie {param.alias!r}" for param in dependant.cookie_params]
    for sub in dependant.dependencies:
        if isinstance(sub.call, SecurityBase):
            found.append(f"security scheme {getattr(sub.call, 'scheme_name', sub.name)!r}")
        found += _reads_the_caller(sub)
    return found


def declared_key(route: APIRoute) -> str | None:
    """The key a GET route is declared `@cacheable` with, or `None`; raises `TypeError` for an
    answer that depends on the caller."""
    key: str | None = getattr(route.endpoint, CACHE_KEY_ATTRIBUTE, None)
    if key is None or "GET" not in (route.methods or ()):
        return None
    private = _reads_the_caller(route.dependant)
    if private:
        raise TypeError(
            f"{route.path}: @cacheable answers a hit without running the dependencies, but "
            f"this one depends on the caller ({', '.join(private)}); drop @cacheable or "
            "make the answer the same for every caller"
        )
    return key


class CheckedRoute(APIRoute):
    """Refuses, when it is made, a route whose `@cacheable` answer depends on the caller."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared_key(self)
        return super().get_route_handler()
