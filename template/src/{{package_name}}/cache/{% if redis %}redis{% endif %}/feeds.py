"""The live feeds' channel where Redis is configured: its pub/sub, on the service's key prefix
(see `events.feeds`). Publishing is bounded by the Redis timeout; the subscription is kept, and
opened again after an outage."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from ...jobs.periodic import in_background
from ...settings import Settings
from .client import subscribe
from .clients import connect

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0


class RedisChannel:
    def __init__(self, settings: Settings) -> None:
        self._redis = connect(settings)
        self._name = f"{settings.cache_key_prefix}events"
        self._timeout = settings.redis_timeout_seconds
        self.listening = False

    async def publish(self, bodies: Sequence[str]) -> None:
        async with asyncio.timeout(self._timeout):
            async with self._redis.pipeline(transaction=False) as pipeline:
                for body in bodies:
                    pipeline.publish(self._name, body)
                await pipeline.execute()

    def listening_to(self, hear: Callable[[str], None]) -> AbstractAsyncContextManager[None]:
        return in_background(lambda: self._listen(hear), "feeds-listener")

    async def close(self) -> None:
        await self._redis.aclose()

    async def _listen(self, hear: Callable[[str], None]) -> None:
        outage_logged = False

        def subscribed() -> None:
            nonlocal outage_logged
            self.listening = True
            if outage_logged:
                logger.warning("live feeds are listening to Redis again")
                outage_logged = False

        def lost(error: Exception | None) -> None:
            nonlocal outage_logged
            self.listening = False
            if error is not None and not outage_logged:
                outage_logged = True
                logger.warning("live feeds cannot listen to Redis: %s", error)

        await subscribe(
            self._redis,
            self._name,
            heard=lambda data: hear(data.decode()),
            subscribed=subscribed,
            lost=lost,
            retry_after=RECONNECT_SECONDS,
        )
