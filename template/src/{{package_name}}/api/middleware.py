"""The HTTP layers every service has, all pure ASGI (no `BaseHTTPMiddleware`, which costs a task
per request and layer): the request id and the access line, the request body limit, and
Starlette's gzip and CORS, used as they are."""

import asyncio
import itertools
import logging
import re
import secrets
import time

from fastapi import FastAPI, HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ..observability.logs import AccessLog, request_id
from ..settings import Settings
from .errors import ErrorBody

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = b"x-request-id"
CLOSE = {"Connection": "close"}
_UNEXPECTED = b'{"detail":"internal server error"}'
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


HARDENING = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
"""On every answer: no content sniffing, no framing, no referrer."""
JSON_POLICY = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
"""An API answer loads nothing; a page that does (the docs) sets its own policy."""
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
"""Over TLS (as the trusted proxy says): browsers use nothing else for two years."""


class RequestContext:
    """Takes the request's `X-Request-ID` (or makes one), echoes it on the response with the
    headers every answer carries (`HARDENING`), makes it available to every log line of the
    request and of the work it schedules, and writes one access line per request."""

    def __init__(self, app: ASGIApp, access_log: AccessLog) -> None:
        self.app = app
        self.access_log = access_log
        # Unique ids without a system call per request: 64 random bits per process, then a count.
        self._prefix = secrets.token_hex(8)
        self._count = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = next((v for k, v in scope["headers"] if k == REQUEST_ID_HEADER), None)
        if given is not None and _ACCEPTED_ID.match(given):
            rid = given.decode()
        else:
            rid = f"{self._prefix}{next(self._count):016x}"
        token = request_id.set(rid)
        status = 500
        answered = False

        hardening = [*HARDENING, HSTS] if scope["scheme"] == "https" else HARDENING

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                headers = list(message.get("headers", ()))
                if not any(name == JSON_POLICY[0] for name, _ in headers):
                    headers.append(JSON_POLICY)
                message["headers"] = [*headers, *hardening, (REQUEST_ID_HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if answered:
                raise
            # An error no handler answered: logged and answered here, inside the request's
            # context, so that the log line and the 500 both carry the request id.
            logger.exception("%s %s failed", scope["method"], route_of(scope))
            length = str(len(_UNEXPECTED)).encode()
            json_type = (b"content-type", b"application/json")
            await send_with_id({"type": "http.response.start", "status": 500,
                                "headers": [json_type, (b"content-length", length)]})  # fmt: skip
            await send_with_id({"type": "http.response.body", "body": _UNEXPECTED})
        finally:
            if self.access_log.enabled:
                millis = round((time.perf_counter() - started) * 1000, 2)
                self.access_log.write(scope["method"], route_of(scope), status, millis, rid)
            request_id.reset(token)


class _Probe:
    path_format = "/health/live"


class LiveProbe:
    """Answers `GET /health/live` before routing. Orchestrators probe it every few seconds on
    every pod; through FastAPI's routing and request handling it cost twice as much as the
    answer itself (measured with bench/). The route in `api/health.py` documents it in the
    OpenAPI document and answers the same if this layer is removed."""

    BODY = b'{"status":"ok"}'
    HEADERS = ((b"content-type", b"application/json"), (b"content-length", b"15"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != _Probe.path_format:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)  # FastAPI answers 405
            return
        scope["route"] = _Probe  # the label of metrics and the access line
        await send({"type": "http.response.start", "status": 200, "headers": self.HEADERS})
        body = b"" if scope["method"] == "HEAD" else self.BODY
        await send({"type": "http.response.body", "body": body})


class RequestBody:
    """Answers 413 (JSON) to a body larger than the limit, by its `Content-Length` before
    reading anything or as soon as a streamed body passes the limit, and 408 to a body that has
    not arrived within `timeout_seconds` of the request: a client that trickles a body a byte at
    a time holds no worker for long."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        self._detail = f"the request body is larger than {max_bytes} bytes"
        self._late = f"the request body did not arrive within {timeout_seconds:g} seconds"
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
        complete = False
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds

        async def counted_receive() -> Message:
            nonlocal received, complete
            if complete:  # past the body: waiting for the client to go away is not late
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(408, detail=self._late, headers=CLOSE) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_bytes:
                    raise HTTPException(413, detail=self._detail)  # answered by the app
            return message

        await self.app(scope, counted_receive, send)

    async def _refuse(self, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"),
                   (b"content-length", str(len(self._refusal)).encode())]  # fmt: skip
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": self._refusal})


def add_proxy_layers(app: FastAPI, settings: Settings) -> None:
    """The outermost layers: the client and scheme the trusted proxies say (uvicorn's own
    middleware: the right-most address not theirs), then the Host header checked against
    `ALLOWED_HOSTS` (Starlette's)."""
    if settings.allowed_hosts != ["*"]:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


def add_http_layers(app: FastAPI, settings: Settings) -> None:
    """Body limits, then gzip, then CORS when origins are configured."""
    app.add_middleware(
        RequestBody,
        max_bytes=settings.max_request_body_bytes,
        timeout_seconds=settings.request_body_timeout_seconds,
    )
    if settings.gzip_minimum_bytes > 0:
        # Starlette's: a hand-written layer measured no faster (bench/README.md, 0.3.0).
        app.add_middleware(
            GZipMiddleware, minimum_size=settings.gzip_minimum_bytes, compresslevel=5
        )
    if settings.cors_allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allow_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["content-type", "x-request-id"],
            expose_headers=[
                "x-request-id",
                "x-cache",
                "retry-after",
                "ratelimit",
                "ratelimit-policy",
            ],
        )
