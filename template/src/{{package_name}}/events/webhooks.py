"""Events POSTed to each `WEBHOOK_URLS` as the Standard Webhooks specification has it
(standardwebhooks.com): the event's JSON signed with `WEBHOOK_SECRET`, its id in `webhook-id`
(the same in every attempt, for the receiver to drop repeats), the time in `webhook-timestamp`."""

from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from ..db.events import Event
from ..outbound.http import OutboundHttp
from ..settings import Settings


class Webhooks:
    def __init__(self, settings: Settings, http: OutboundHttp) -> None:
        self.urls = tuple(settings.webhook_urls)
        secret = settings.webhook_secret
        self._signer = None if secret is None else Webhook(secret.get_secret_value())
        self._http = http

    async def send(self, event: Event, urls: list[str]) -> dict[str, str]:
        """POST the event to each of `urls`; what went wrong, by URL, for those that did not
        answer 2xx."""
        assert self._signer is not None, "WEBHOOK_SECRET is required with WEBHOOK_URLS"
        body = event.body()
        now = datetime.now(UTC)
        message = str(event.id)
        headers = {
            "content-type": "application/json",
            "webhook-id": message,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer.sign(message, now, body),
        }
        failed = {}
        for url in urls:
            try:
                response = await self._http.post(url, content=body, headers=headers)
            except httpx.HTTPError as error:
                failed[url] = f"{type(error).__name__}: {error}".rstrip(": ")
                continue
            if not response.is_success:
                failed[url] = f"answered {response.status_code}"
        return failed
