"""The feeds' channel the database offers: PostgreSQL's LISTEN/NOTIFY, on a connection of its own
per process (LISTEN holds a session: not one of the pool's, and not through PgBouncer, whose
transaction pooling gives a session to no one). Through PgBouncer, the feeds reach only the
clients of the process that committed, and the start-up says so."""

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg

from ..jobs.periodic import in_background
from ..settings import Settings
from .feeds import Channel, LocalChannel

logger = logging.getLogger(__name__)

NOTIFY_LIMIT = 7999
"""Bytes a notification may carry; an event longer than that is sent as its id and type, and
each listener reads it from the outbox."""
RECONNECT_SECONDS = 1.0
KEEPALIVE_SECONDS = 5.0
NOTIFY = "SELECT pg_notify($1, body) FROM unnest($2::text[]) AS body"


def feed_channel(settings: Settings) -> Channel:
    """The channel the database offers: the process itself on SQLite; PostgreSQL's otherwise."""
    url = settings.database_url
    if url.startswith("sqlite"):
        return LocalChannel()
    if settings.database_pooler == "pgbouncer":
        return LocalChannel(
            "LISTEN needs a session, which PgBouncer's transaction pooling gives no one"
        )
    return PostgresChannel(re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url), settings)


class PostgresChannel:
    def __init__(self, dsn: str, settings: Settings) -> None:
        self._dsn = dsn
        self._timeout = settings.database_timeout_seconds
        self._name = "events"  # notifications are per database, as the events are
        self._application = f"{settings.app_name} (feeds)"
        self._sender: Any = None  # asyncpg.Connection, opened on the first publish
        self.listening = False
        self._sending = asyncio.Lock()

    async def publish(self, bodies: Sequence[str]) -> None:
        payloads = [_within_limit(body) for body in bodies]
        async with self._sending:
            try:
                if self._sender is None or self._sender.is_closed():
                    self._sender = await self._connect()
                await self._sender.execute(NOTIFY, self._name, payloads, timeout=self._timeout)
            except BaseException:
                await self._drop_sender()
                raise

    def listening_to(self, hear: Callable[[str], None]) -> AbstractAsyncContextManager[None]:
        return in_background(lambda: self._listen(hear), "feeds-listener")

    async def close(self) -> None:
        async with self._sending:
            await self._drop_sender()

    async def _listen(self, hear: Callable[[str], None]) -> None:
        """Keep a connection listening; when it is lost, open another."""

        def heard(_connection: object, _pid: int, _channel: str, payload: str) -> None:
            hear(payload)

        outage_logged = False
        while True:
            connection = None
            try:
                connection = await self._connect()
                await connection.add_listener(self._name, heard)
                self.listening = True
                if outage_logged:
                    logger.warning("live feeds are listening to PostgreSQL again")
                    outage_logged = False
                while True:  # a connection that died silently is found within seconds
                    await asyncio.sleep(KEEPALIVE_SECONDS)
                    await connection.fetchval("SELECT 1", timeout=self._timeout)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                if not outage_logged:
                    outage_logged = True
                    logger.warning("live feeds cannot listen to PostgreSQL: %s", error)
            finally:
                self.listening = False
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.terminate()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _connect(self) -> Any:
        return await asyncpg.connect(
            self._dsn,
            timeout=self._timeout,
            command_timeout=self._timeout,
            server_settings={"application_name": self._application},
        )

    async def _drop_sender(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender.close(), self._timeout)


def _within_limit(body: str) -> str:
    if len(body.encode()) <= NOTIFY_LIMIT:
        return body
    fields = json.loads(body)
    return json.dumps({"id": fields["id"], "type": fields["type"]})
