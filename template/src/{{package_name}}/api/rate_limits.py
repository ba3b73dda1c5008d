"""`RATE_LIMIT_PER_MINUTE` requests per caller and minute on the API (paths under `/api/`; the
probes, metrics and documents are not counted). Past it, 429 with `Retry-After`; every counted
answer carries the `RateLimit-Policy` and `RateLimit` headers of the IETF draft
(draft-ietf-httpapi-ratelimit-headers), so that a client can pace itself before it is refused.

A caller is whom the app factory's `identify` names (with users: the signed-in user, or the API
key), else the client address (as the trusted proxies say). Counting is where the runtime counts
(`cache.counters`): shared by every worker and replica when the cache option shares counters, in
each process otherwise. 0 turns it off: the layer is not installed."""

import math
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import Settings
from .errors import ErrorBody

WINDOW_SECONDS = 60
POLICY = "per-minute"
SLACK = 100
"""A process counts up to limit / SLACK requests (at least one) before it tells the others, so
a shared count costs about one round trip per caller and tenth of a second, not one per request:
a caller may pass the limit by 1% per process."""
API_PREFIX = "/api/"

Identify = Callable[[Scope], Awaitable[str | None]]
"""The caller a request names and proves (`user:1`, `key:7`), or `None`: counted by address."""


class RateLimits:
    def __init__(self, app: ASGIApp, limit: int, identify: Identify | None = None) -> None:
        self.app = app
        self.limit = limit
        self.identify = identify
        self._policy = f'"{POLICY}";q={limit};w={WINDOW_SECONDS}'.encode()
        self._slack = max(1, limit // SLACK)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        caller = await self.identify(scope) if self.identify is not None else None
        if caller is None:
            client = scope.get("client")
            caller = f"address:{client[0] if client else 'unknown'}"
        counters = scope["app"].state.runtime.counters
        events, seconds_left = await counters.hit(
            f"rate:{caller}", WINDOW_SECONDS, slack=self._slack
        )
        reset = max(1, math.ceil(seconds_left))
        remaining = max(0, self.limit - events)
        headers = [
            (b"ratelimit-policy", self._policy),
            (b"ratelimit", f'"{POLICY}";r={remaining};t={reset}'.encode()),
        ]
        if events > self.limit:
            await self._refuse(send, headers, reset)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, send: Send, headers: list[tuple[bytes, bytes]], reset: int) -> None:
        detail = f"Too many requests; try again in {reset} seconds"
        body = ErrorBody(detail=detail).model_dump_json().encode()
        start = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(reset).encode()),
            *headers,
        ]
        await send({"type": "http.response.start", "status": 429, "headers": start})
        await send({"type": "http.response.body", "body": body})


def install_rate_limits(app: FastAPI, settings: Settings, identify: Identify | None = None) -> None:
    """The app factory's seam: nothing is installed when `RATE_LIMIT_PER_MINUTE` is 0."""
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(RateLimits, limit=settings.rate_limit_per_minute, identify=identify)
