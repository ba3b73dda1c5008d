"""Which responses may be cached, declared next to the endpoint; whether and where they are
cached is up to the runtime, which has a store when the service has a cache. Without one, the
declaration changes nothing.

    router = APIRouter(prefix="/reports", route_class=CachingRoute)

    @router.get("/{day}")
    @cacheable("reports:{day}")
    async def report(day: date) -> Report: ...

The key is formatted with the endpoint's validated path parameters. Name it `<table>:<id>` and
every committed write to that row invalidates it (see `changes.Change.name`). A hit is answered
from the stored JSON before the endpoint's dependencies run, so an endpoint whose dependencies
read a header, a cookie or a security scheme (an API key, a token) cannot be declared: that is
refused when the route is made. So a declared answer is the same for every caller, and it is
served from the cache whatever credentials a request carries.
"""

import inspect
import typing
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from pydantic import TypeAdapter, ValidationError

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

CACHE_KEY_ATTRIBUTE = "__cache_key__"


class ResponseStore(Protocol):
    """Where cached answers live (the cache's client, when the service has one)."""

    async def get(self, key: str) -> bytes | None: ...

    async def fill(self, key: str, value: bytes) -> None: ...

    def record_lookup(self, result: str) -> None: ...

    def on_lookup(self, observer: Callable[[str], None]) -> None:
        """Call `observer` with `hit` or `miss` at each lookup."""


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


class CachingRoute(APIRoute):
    """Serves the endpoints declared `@cacheable` cache-aside: a hit skips validation,
    dependencies and serialisation; a miss runs the endpoint and stores its 200 answer.
    Answers carry `X-Cache: hit` or `miss`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        key: str | None = getattr(self.endpoint, CACHE_KEY_ATTRIBUTE, None)
        if key is None or "GET" not in (self.methods or ()):
            return handler
        private = _reads_the_caller(self.dependant)
        if private:
            raise TypeError(
                f"{self.path}: @cacheable answers a hit without running the dependencies, but "
                f"this one depends on the caller ({', '.join(private)}); drop @cacheable or "
                "make the answer the same for every caller"
            )
        hints = typing.get_type_hints(self.endpoint, include_extras=True)
        adapters = {
            name: TypeAdapter(hints.get(name, parameter.annotation))
            for name, parameter in inspect.signature(self.endpoint).parameters.items()
            if name in self.param_convertors
        }

        async def serve(request: Request) -> Response:
            store: ResponseStore | None = request.app.state.response_cache
            if store is None:
                return await handler(request)
            try:
                values = {
                    name: adapter.validate_strings(request.path_params[name])
                    for name, adapter in adapters.items()
                }
            except ValidationError:
                return await handler(request)  # the endpoint answers 422
            cache_key = key.format(**values)
            body = await store.get(cache_key)
            if body is not None:
                store.record_lookup("hit")
                return Response(body, media_type="application/json", headers={"X-Cache": "hit"})
            store.record_lookup("miss")
            response = await handler(request)
            if response.status_code == 200 and isinstance(response.body, bytes):
                await store.fill(cache_key, response.body)
                response.headers["X-Cache"] = "miss"
            return response

        return serve
