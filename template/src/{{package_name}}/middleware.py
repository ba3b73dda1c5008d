"""The HTTP layers every service has, all pure ASGI (a `BaseHTTPMiddleware` costs about 200 µs
per request and layer): the request id and the access line, the request body limit, gzip and
CORS. Starlette's own GZip and CORS middleware are pure ASGI and used as they are."""

import logging
import re
import time
import uuid

from fastapi import FastAPI, HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ErrorBody
from .logging_config import request_id
from .settings import Settings

access_log = logging.getLogger("access")

REQUEST_ID_HEADER = b"x-request-id"
_ACCEPTED_ID = re.compile(rb"^[A-Za-z0-9._:/+=-]{1,128}$")


def route_of(scope: Scope) -> str:
    """The matched route's template (`/api/v1/items/{item_id}`), `unmatched` otherwise: a label
    that cannot grow with the paths clients make up.

    FastAPI keeps included routers apart: the matched route's `path_format` lacks the prefixes
    it was included under (`/api/v1`), which are the part of the path before it."""
    template: str | None = getattr(scope.get("route"), "path_format", None)
    if template is None:
        return "unmatched"
    try:
        concrete = template.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return template
    path: str = scope["path"]
    return path.removesuffix(concrete) + template if path.endswith(concrete) else template


class RequestContext:
    """Takes the request's `X-Request-ID` (or makes one), echoes it on the response, makes it
    available to every log line of the request and of the work it schedules, and writes one
    access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = next((v for k, v in scope["headers"] if k == REQUEST_ID_HEADER), None)
        rid = given.decode() if given and _ACCEPTED_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                message["headers"] = [*headers, (REQUEST_ID_HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                millis = round((time.perf_counter() - started) * 1000, 2)
                method, route = scope["method"], route_of(scope)
                fields = {"method": method, "route": route, "status": status, "duration_ms": millis}
                access_log.info("%s %s %s %sms", method, route, status, millis, extra=fields)
            request_id.reset(token)


class RequestBodyLimit:
    """Answers 413 (JSON) to a body larger than the limit: by its `Content-Length` before
    reading anything, or as soon as a streamed body passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._detail = f"the request body is larger than {max_bytes} bytes"
        self._refusal = ErrorBody(detail=self._detail).model_dump_json().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, detail=self._detail)  # answered by the app
            return message

        await self.app(scope, counted_receive, send)

    async def _refuse(self, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"),
                   (b"content-length", str(len(self._refusal)).encode())]  # fmt: skip
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": self._refusal})


def add_http_layers(app: FastAPI, settings: Settings) -> None:
    """Body limit, then gzip, then CORS (outermost) when origins are configured."""
    app.add_middleware(RequestBodyLimit, max_bytes=settings.max_request_body_bytes)
    if settings.gzip_minimum_bytes > 0:
        app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_minimum_bytes)
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["content-type", "x-request-id"],
            expose_headers=["x-request-id", "x-cache", "retry-after"],
        )
