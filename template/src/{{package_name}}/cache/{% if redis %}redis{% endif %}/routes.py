"""The resources' route class with a cache: answers declared `@cacheable` (see `cache.policy`)
are served cache-aside. A hit skips validation, dependencies and serialisation; a miss runs the
endpoint and stores its 200 answer. Answers carry `X-Cache: hit` or `miss`. A request with query
parameters is answered by the endpoint, uncached."""

import inspect
import typing
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

from ..policy import declared_key
from .client import Cache


class CachingRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        key = declared_key(self)
        if key is None:
            return handler
        hints = typing.get_type_hints(self.endpoint, include_extras=True)
        adapters = {
            name: TypeAdapter(hints.get(name, parameter.annotation))
            for name, parameter in inspect.signature(self.endpoint).parameters.items()
            if name in self.param_convertors
        }

        async def serve(request: Request) -> Response:
            if request.url.query:  # asked with parameters (`include=`): not the declared answer
                return await handler(request)
            store: Cache = request.app.state.runtime.response_cache
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
