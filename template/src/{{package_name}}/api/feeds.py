"""Live feeds: `/api/v1/NAME/events` as a WebSocket, declared by a resource's router with
`add_live_feed`. Each event of the resource committed from then on (by any process of any
replica) arrives as one JSON text message, shaped as a webhook's body (see `events.feeds`);
`?after=<event id>` first sends the events after that one that the outbox still keeps. Who may
follow, and which rows' events each client hears of, is the router's read policy (its route
class). A client too slow to take what arrives is closed with 1008 (what waits for it is bounded),
one whose token ends or who would no longer be let in with 1008 then, every one at shutdown with
1001. Messages from the client are read and ignored.

An open WebSocket does not hold one of the worker's `SERVER_CONCURRENCY` requests; an event
stream (Server-Sent Events) would, for as long as it is followed, which is why there is none."""

import asyncio
import contextlib
import time
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from ..db.data import DatabaseUnavailable
from ..events.feeds import Admitted, FeedHub, Follower
from .routes import ResourceRoute

POLICY_VIOLATION = 1008
GOING_AWAY = 1001
TRY_AGAIN_LATER = 1013

MAX_EVENT_ID = 2**63 - 1
"""Event ids are 64-bit."""
AfterEvent = Annotated[
    int | None,
    Query(ge=0, le=MAX_EVENT_ID, description="Send first the kept events after this one."),
]


def add_live_feed(router: APIRouter, entity: str, *, admins_only: bool = False) -> None:
    """Give the router's resource (`entity`: its table, as its events name it) its live feed at
    `{prefix}/events`; `admins_only`: only admins may follow it, whatever the read policy."""
    route_class = router.route_class
    if not issubclass(route_class, ResourceRoute):
        raise TypeError(f"{entity}: a live feed needs a resource router (`route_class`)")

    async def follow(websocket: WebSocket, after: AfterEvent = None) -> None:
        admitted = await route_class.admit_follower(websocket, admins_only=admins_only)
        if admitted is None:
            await websocket.close(POLICY_VIOLATION)  # before the handshake: a 403
            return
        hub: FeedHub = websocket.app.state.runtime.feeds
        follower = hub.follow(entity, admitted.follows)
        try:
            await websocket.accept(subprotocol=admitted.subprotocol)
            await _send_messages(websocket, hub, follower, admitted, after)
        except WebSocketDisconnect:
            pass
        finally:
            hub.unfollow(follower)

    router.add_api_websocket_route("/events", follow, name=f"{entity}_events")


async def _send_messages(
    websocket: WebSocket, hub: FeedHub, follower: Follower, admitted: Admitted, after: int | None
) -> None:
    hearing = asyncio.create_task(_hear_the_client(websocket, follower))
    rechecked_at = time.time() + admitted.recheck_seconds
    try:
        replayed: set[int] = set()
        if after is not None:
            try:
                async for event in hub.replay(follower.entity, after):
                    if admitted.follows(event):
                        await websocket.send_text(event.text)
                        replayed.add(event.id)
            except DatabaseUnavailable:
                await websocket.close(TRY_AGAIN_LATER, "the events cannot be read now")
                return
        while True:
            while follower.waiting:
                event = follower.waiting.popleft()
                if event.id not in replayed:  # committed while the replay read it
                    await websocket.send_text(event.text)
            if follower.gone:
                return
            if follower.too_slow:
                await websocket.close(POLICY_VIOLATION, "too slow: reconnect with ?after=")
                return
            if follower.going_away:
                await websocket.close(GOING_AWAY)
                return
            now = time.time()
            if admitted.until is not None and admitted.until <= now:
                await websocket.close(POLICY_VIOLATION, "the credentials expired")
                return
            if admitted.still_admitted is not None and rechecked_at <= now:
                if not await admitted.still_admitted():
                    await websocket.close(POLICY_VIOLATION, "the credentials no longer hold")
                    return
                rechecked_at = now + admitted.recheck_seconds
            deadlines = [admitted.until, rechecked_at if admitted.still_admitted else None]
            wake_at = min((at for at in deadlines if at is not None), default=None)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(None if wake_at is None else wake_at - now):
                    await follower.woken()
    finally:
        hearing.cancel()


async def _hear_the_client(websocket: WebSocket, follower: Follower) -> None:
    with contextlib.suppress(RuntimeError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    follower.hang_up()
