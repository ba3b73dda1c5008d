"""A real webhook receiver for the tests: a local HTTP server that keeps every delivery and
answers as the test says (a receiver that is down, failing, or well)."""

import base64
import threading
import time
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

SECRET = "whsec_" + base64.b64encode(b"the tests' webhook signing key!!").decode()
PATH = "/hooks"
ATTEMPTS = 10
BACKOFF_SECONDS = 0.001


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes
    answered: int

    def verified(self) -> dict[str, Any]:
        """The event, once its signature is checked as a receiver would."""
        event: dict[str, Any] = Webhook(SECRET).verify(self.body, self.headers)
        return event


class Receiver:
    def __init__(self) -> None:
        self._server = HTTPServer(threaded=True)
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._status = 204

    def start(self) -> None:
        self._server.expect_request(PATH, method="POST").respond_with_handler(self._receive)
        self._server.start()

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url_for(PATH)

    def settings(self, **changes: Any) -> dict[str, Any]:
        """An app's settings that deliver here, retried at once (by the relay's next pass) and
        parked after `ATTEMPTS`."""
        return {
            "webhook_urls": [self.url],
            "webhook_secret": SecretStr(SECRET),
            "webhook_attempts": ATTEMPTS,
            "webhook_backoff_seconds": BACKOFF_SECONDS,
            "pending_sweep_interval_seconds": 0.2,
            **changes,
        }

    def environment(self) -> dict[str, str]:
        """The same, for a process of its own."""
        return {
            "WEBHOOK_URLS": self.url,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_ATTEMPTS": str(ATTEMPTS),
            "WEBHOOK_BACKOFF_SECONDS": str(BACKOFF_SECONDS),
        }

    def answer(self, status: int) -> None:
        with self._lock:
            self._status = status

    def deliveries(self, event_id: str | None = None) -> list[Delivery]:
        with self._lock:
            found = list(self._deliveries)
        return [d for d in found if event_id is None or d.headers.get("webhook-id") == event_id]

    def events(self) -> list[dict[str, Any]]:
        """Each event taken (answered 2xx) once, whatever the repeats, in the order of its id."""
        taken = {}
        for delivery in self.deliveries():
            if delivery.answered < 300:
                event = delivery.verified()
                taken[event["id"]] = event
        return sorted(taken.values(), key=lambda event: int(event["id"]))

    def wait_for_events(self, ids: set[str], seconds: float = 30.0) -> list[dict[str, Any]]:
        """The events taken, once every one of `ids` has been (bounded: `TimeoutError`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            events = self.events()
            if ids <= {event["id"] for event in events}:
                return events
            time.sleep(0.05)
        raise TimeoutError(f"events {sorted(ids)} were not all delivered; got {self.events()}")

    def _receive(self, request: Request) -> Response:
        with self._lock:
            status = self._status
            headers = {key.lower(): value for key, value in request.headers.items()}
            self._deliveries.append(Delivery(headers, request.get_data(), status))
        return Response(status=status)
