"""Live feeds: a resource's events, sent to the WebSocket clients following it (`api.feeds`) as
soon as they are committed, by whichever process of whichever replica committed them.

After each commit that wrote events, the process that committed publishes them on the feeds'
channel (never in the request's way: a task sends what the commits left, in batches); every API
process listens on it and hands each event to those of its clients who may read it. The channel
is the runtime's: PostgreSQL's LISTEN/NOTIFY (`channels`) unless an option brings another, and
the process itself on the embedded database. The outbox stays the record: a feed is live, and a
client that was away, or too slow, reconnects with `?after=`."""

import asyncio
import contextlib
import json
import logging
import signal
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from ..db.changes import Change
from ..db.data import DatabaseUnavailable
from ..db.events import Event, EventStore, entity_of

logger = logging.getLogger(__name__)

WAITING_PER_CLIENT = 256
"""Events queued for one client; a client that lets more wait is too slow and is closed."""
PUBLISHED_AT_ONCE = 128
UNSENT_AT_MOST = 10_000
"""Events of this process's commits waiting to be published; past it (a channel slower than the
commits), the oldest are dropped: the feeds miss them, `?after=` still has them."""
REPLAYED_AT_ONCE = 500
FEEDS_GOING_AWAY = signal.SIGUSR1
"""What the production server sends each worker before it stops it (see `serve`)."""


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """An event as the feeds carry it: its text once, and what access is decided on."""

    id: int
    entity: str
    owner: int | None
    """The row's `owner_id`, where rows have owners."""
    text: str

    @classmethod
    def of(cls, event: Event) -> "FeedEvent":
        return cls(
            event.id, entity_of(event.type), _owner(json.loads(event.data)), event.body().decode()
        )

    @classmethod
    def parse(cls, body: str) -> "FeedEvent | None":
        """A body as the contract shapes it (`Event.body`); `None` for one without its data, as
        a channel sends an event too long for it."""
        fields = json.loads(body)
        data = fields.get("data")
        if data is None:
            return None
        return cls(int(fields["id"]), entity_of(fields["type"]), _owner(data), body)


def _owner(data: dict[str, object]) -> int | None:
    owner = data.get("owner_id")
    return owner if isinstance(owner, int) else None


Follows = Callable[[FeedEvent], bool]
"""Whether a client may read an event (its row)."""


def everything(event: FeedEvent) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Admitted:
    """A client let in to a feed (by the route class of the resource's router)."""

    follows: Follows = everything
    subprotocol: str | None = None
    """The WebSocket subprotocol to answer with: the one the client's token came in."""
    until: float | None = None
    """When its credentials end (seconds since the epoch): the feed is closed then."""
    still_admitted: Callable[[], Awaitable[bool]] | None = None
    """Asked every `recheck_seconds` while the feed is open: `False` (the account deactivated,
    the sign-in ended, the role changed) closes it."""
    recheck_seconds: float = 0.0


class Follower:
    """One client's place in the feeds: the events it may read, waiting to be sent."""

    def __init__(self, entity: str, follows: Follows) -> None:
        self.entity = entity
        self.follows = follows
        self.waiting: deque[FeedEvent] = deque()
        self.too_slow = False
        self.going_away = False
        self.gone = False
        """The client closed the connection."""
        self._woken = asyncio.Event()

    def offer(self, event: FeedEvent) -> None:
        if self.too_slow or not self.follows(event):
            return
        if len(self.waiting) >= WAITING_PER_CLIENT:
            self.too_slow = True
            self.waiting.clear()
        else:
            self.waiting.append(event)
        self._woken.set()

    def leave(self) -> None:
        """The process is shutting down."""
        self.going_away = True
        self._woken.set()

    def hang_up(self) -> None:
        self.gone = True
        self._woken.set()

    async def woken(self) -> None:
        await self._woken.wait()
        self._woken.clear()


class Channel(Protocol):
    """What carries the events to every API process (`channels`)."""

    async def publish(self, bodies: Sequence[str]) -> None: ...

    listening: bool
    """Whether it hears what is published now (it keeps trying while its server is away)."""

    def listening_to(self, hear: Callable[[str], None]) -> AbstractAsyncContextManager[None]:
        """Call `hear` with each body published by any process, this one included."""
        ...

    async def close(self) -> None: ...


class LocalChannel:
    """The process itself: on the embedded database, which one process serves, or where the
    database offers no channel (`limitation` says why, once the process serves)."""

    def __init__(self, limitation: str | None = None) -> None:
        self._hearers: list[Callable[[str], None]] = []
        self._limitation = limitation
        self.listening = False

    async def publish(self, bodies: Sequence[str]) -> None:
        for hear in self._hearers:
            for body in bodies:
                hear(body)

    @asynccontextmanager
    async def listening_to(self, hear: Callable[[str], None]) -> AsyncIterator[None]:
        if self._limitation is not None:
            logger.warning("live feeds reach only this process's clients: %s", self._limitation)
        self._hearers.append(hear)
        self.listening = True
        try:
            yield
        finally:
            self._hearers.remove(hear)
            self.listening = bool(self._hearers)

    async def close(self) -> None:
        return None


class FeedHub:
    """The feeds of one process: what it publishes after its commits, and the clients it
    serves. In the runtime of every process; only API processes listen (`serving`)."""

    def __init__(self, channel: Channel, store: EventStore) -> None:
        self.channel = channel
        self._store = store
        self._followers: dict[str, set[Follower]] = {}
        self._outgoing: deque[str] = deque(maxlen=UNSENT_AT_MOST)
        self._pending = asyncio.Event()
        self._sent = asyncio.Event()
        """Set while nothing waits to be published."""
        self._sent.set()
        self._publisher: asyncio.Task[None] | None = None
        self._fetching: set[asyncio.Task[None]] = set()
        self._unsent_logged = False
        self._going_away = False

    async def committed(self, changes: Sequence[Change]) -> None:
        """The data layer's after-commit subscriber: the events go out soon, in a batch."""
        bodies = [change.event.body().decode() for change in changes if change.event is not None]
        if not bodies:
            return
        self._outgoing.extend(bodies)
        self._sent.clear()
        self._pending.set()
        if self._publisher is None:
            self._publisher = asyncio.create_task(self._publish(), name="feeds-publisher")

    def follow(self, entity: str, follows: Follows) -> Follower:
        follower = Follower(entity, follows)
        self._followers.setdefault(entity, set()).add(follower)
        if self._going_away:
            follower.leave()
        return follower

    def going_away(self) -> None:
        """Close every feed of this process as going away (1001): it is shutting down."""
        self._going_away = True
        for followers in self._followers.values():
            for follower in followers:
                follower.leave()

    def followers(self, entity: str) -> frozenset[Follower]:
        """The clients of this process following `entity`'s feed."""
        return frozenset(self._followers.get(entity, ()))

    def unfollow(self, follower: Follower) -> None:
        followers = self._followers.get(follower.entity)
        if followers is not None:
            followers.discard(follower)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Hear the channel while the API serves; at the end, or on `FEEDS_GOING_AWAY` (the
        production server's word that it stops this worker, see `serve`), every client is told
        that the process is going away."""
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(FEEDS_GOING_AWAY, self.going_away)
            signalled = True
        except (ValueError, RuntimeError):  # not the main thread (a test client's)
            signalled = False
        async with self.channel.listening_to(self._hear):
            try:
                yield
            finally:
                self.going_away()
                if signalled:
                    loop.remove_signal_handler(FEEDS_GOING_AWAY)

    async def replay(self, entity: str, after: int) -> AsyncIterator[FeedEvent]:
        """The kept events of `entity` after the one of `after`, oldest first, read a page at a
        time."""
        while True:
            events = await self._store.of_entity(entity, after, REPLAYED_AT_ONCE)
            for event in events:
                yield FeedEvent.of(event)
            if len(events) < REPLAYED_AT_ONCE:
                return
            after = events[-1].id

    async def flush(self, seconds: float = 1.0) -> None:
        """Publish what the commits so far left, for at most `seconds`: a worker process whose
        loop runs only while its task does flushes after each task."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._sent.wait()

    async def close(self) -> None:
        """Send what the last commits left (for a moment at most), then stop."""
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            self._pending.set()
            done, _ = await asyncio.wait({publisher}, timeout=1.0)
            if not done:
                publisher.cancel()
        await self.channel.close()

    def _hear(self, body: str) -> None:
        try:
            event = FeedEvent.parse(body)
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("a feed message that is not an event was ignored: %.200s", body)
            return
        if event is None:
            fetching = asyncio.create_task(self._fetch_and_offer(body), name="feeds-fetch")
            self._fetching.add(fetching)
            fetching.add_done_callback(self._fetching.discard)
            return
        self._offer(event)

    def _offer(self, event: FeedEvent) -> None:
        for follower in self._followers.get(event.entity, ()):
            follower.offer(event)

    async def _fetch_and_offer(self, reference: str) -> None:
        """An event the channel could only name: read from the outbox, if anyone here follows
        its resource's feed."""
        named = json.loads(reference)
        if not self._followers.get(entity_of(named["type"])):
            return
        key = int(named["id"])
        try:
            events: list[Event] = await self._store.after(key - 1, 1)
        except DatabaseUnavailable as error:
            logger.warning("live feeds missed event %s: %s", key, error)
            return
        if events and events[0].id == key:
            self._offer(FeedEvent.of(events[0]))

    async def _publish(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            while self._outgoing:
                batch = [
                    self._outgoing.popleft()
                    for _ in range(min(PUBLISHED_AT_ONCE, len(self._outgoing)))
                ]
                try:
                    await self.channel.publish(batch)
                    self._unsent_logged = False
                except Exception as error:  # a live feed misses them; `?after=` has them
                    if not self._unsent_logged:
                        self._unsent_logged = True
                        logger.warning("live feeds could not publish events: %s", error)
            self._sent.set()
            if self._publisher is None:  # closing, and everything is sent
                return
