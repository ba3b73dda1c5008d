"""Helpers for the tests of live feeds: an app served over a real socket (ASGI transports carry
no WebSockets), and a client that follows a feed."""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .items_api import until

GUARD = 10.0
"""How long a test waits for what should come at once."""


@asynccontextmanager
async def on_a_socket(app: FastAPI) -> AsyncIterator[str]:
    """`app` (its lifespan already running) served on a loopback port: its `ws://` base URL, once
    the app hears its feeds' channel. The socket listens before the server starts: a client may
    connect at once."""
    await until(lambda: app.state.runtime.feeds.channel.listening, GUARD)
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets-sansio")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        listening.close()


@asynccontextmanager
async def following(url: str, **options: Any) -> AsyncIterator[ClientConnection]:
    async with connect(url, open_timeout=GUARD, **options) as feed:
        yield feed


async def heard(feed: ClientConnection, count: int, *, after: int = 0) -> list[dict[str, Any]]:
    """The next `count` events the feed sends after the event `after`. A feed opened without
    `?after=` may still send an event committed just before it opened, published since: a test
    that commits before it follows says where its own events begin."""
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(GUARD):
        while len(events) < count:
            event = json.loads(await feed.recv())
            if int(event["id"]) > after:
                events.append(event)
    return events


async def newest_event(app: FastAPI) -> int:
    """The id of the newest event the outbox keeps (0: none)."""
    events = await app.state.runtime.event_store.after(0, 1_000_000)
    return max((event.id for event in events), default=0)


async def closed_with(feed: ClientConnection) -> int | None:
    """The code the server closes the feed with, what it sends until then read past."""
    try:
        async with asyncio.timeout(GUARD):
            while True:
                await feed.recv()
    except ConnectionClosed as closed:
        return None if closed.rcvd is None else closed.rcvd.code
