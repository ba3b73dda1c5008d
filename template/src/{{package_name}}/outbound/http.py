"""Calls to other services over HTTP: one pooled `httpx.AsyncClient` per process, opened with the
runtime, so connections are kept alive and reused instead of made per call. Every call has a
deadline (`OUTBOUND_TIMEOUT_SECONDS` to connect, and again for each read and write), carries the
current request's id as `X-Request-ID` (the other service's logs name the request that caused
it), and is reported to the runtime's observers (metrics).

Retries are bounded (`OUTBOUND_RETRIES`) and only where sending again is safe: a connection that
could not be made (nothing was sent), and an idempotent request (GET, HEAD, OPTIONS, PUT, DELETE)
that timed out or was answered 502, 503 or 504; each after an exponential wait with full jitter.
A POST is sent once: a job that posts is retried as a whole and gives the receiver a key to
recognise a repeat by (a webhook's id). What still fails raises httpx's own exceptions, or
returns the answer it got.
"""

import asyncio
import functools
import random
import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..observability.logs import request_id
from ..settings import Settings

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRIED_STATUSES = frozenset({502, 503, 504})
BACKOFF_BASE_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 5.0

CallObserver = Callable[[str, str, str, float], None]
"""`(method, host, outcome, seconds)`; outcome is the status class (`2xx`...) or `error`."""


class OutboundHttp:
    """The process's HTTP client: `await runtime.http.request("GET", url)`, or `.client` for
    anything httpx offers (streaming, say), with the same pool and deadlines."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self._retries = settings.outbound_retries
        self._observers: list[CallObserver] = []
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.outbound_timeout_seconds),
            limits=httpx.Limits(
                max_connections=settings.outbound_max_connections,
                max_keepalive_connections=settings.outbound_max_connections,
            ),
            headers={"User-Agent": settings.app_name},
            follow_redirects=False,  # a redirect is the caller's to follow, to a host it trusts
            verify=verified_tls(),
            transport=transport,
        )

    def observe(self, observer: CallObserver) -> None:
        self._observers.append(observer)

    async def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        """Send, retrying where it is safe (see the module); the answer whatever its status."""
        method = method.upper()
        headers = httpx.Headers(options.pop("headers", None))
        rid = request_id.get()
        if rid and "x-request-id" not in headers:
            headers["X-Request-ID"] = rid
        host = httpx.URL(url).host or "unknown"
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = await self.client.request(method, url, headers=headers, **options)
            except httpx.TransportError as error:
                self._report(method, host, "error", started)
                if attempt >= self._retries or not _worth_again(method, error):
                    raise
            else:
                self._report(method, host, f"{response.status_code // 100}xx", started)
                if (
                    attempt >= self._retries
                    or method not in IDEMPOTENT
                    or response.status_code not in RETRIED_STATUSES
                ):
                    return response
                await response.aclose()
            attempt += 1
            wait = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
            await asyncio.sleep(random.uniform(0, wait))  # jitter, not a secret

    async def get(self, url: str, **options: Any) -> httpx.Response:
        return await self.request("GET", url, **options)

    async def post(self, url: str, **options: Any) -> httpx.Response:
        return await self.request("POST", url, **options)

    async def close(self) -> None:
        await self.client.aclose()

    def _report(self, method: str, host: str, outcome: str, started: float) -> None:
        seconds = time.perf_counter() - started
        for observer in self._observers:
            observer(method, host, outcome, seconds)


@functools.cache
def verified_tls() -> ssl.SSLContext:
    """httpx's own default (its CA bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR`), made once per
    process: loading the bundle takes tens of milliseconds, which every client made would pay
    again (the tests start an app, and so a client, per test)."""
    return httpx.create_ssl_context()


def _worth_again(method: str, error: httpx.TransportError) -> bool:
    """A connection never made sent nothing; anything else only for idempotent requests."""
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True
    return method in IDEMPOTENT and isinstance(error, httpx.TimeoutException | httpx.NetworkError)
