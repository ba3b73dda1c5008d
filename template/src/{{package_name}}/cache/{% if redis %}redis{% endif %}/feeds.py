"""The live feeds' channel where Redis is configured: its pub/sub, on the service's key prefix
(see `events.feeds`). Publishing is bounded by the Redis timeout; the subscription is kept, and
opened again after an outage."""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from ...events.feeds import in_background
from ...settings import Settings
from .client import FAILURES
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
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._name)
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self.listening = True
                        if outage_logged:
                            logger.warning("live feeds are listening to Redis again")
                            outage_logged = False
                    elif message["type"] == "message":
                        hear(message["data"].decode())
            except FAILURES as error:
                if not outage_logged:
                    outage_logged = True
                    logger.warning("live feeds cannot listen to Redis: %s", error)
            finally:
                self.listening = False
                with contextlib.suppress(*FAILURES):
                    await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]  # redis-py < 8.2
            await asyncio.sleep(RECONNECT_SECONDS)
