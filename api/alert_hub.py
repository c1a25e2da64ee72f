"""The live alert fan-out behind ``GET /api/v1/alerts/stream/``.

One consumer per API process reads ``vigil.alerts.v1`` (one partition: its offset
is the SSE event id). Recent transitions stay in a bounded ring for Last-Event-ID
replay; older ones come from ClickHouse. A transition seen before (a re-emission
after a worker crash) is dropped. Each client has a bounded queue: a client that
falls that far behind is disconnected, and its reconnect replays what it missed.

A transition is announced only once the alerts projection has stored it (its
projector's committed offset has passed it): a client that opens the alert it was
just told about finds it in ``GET /api/v1/alerts/`` and ``/alerts/{event_id}/``.
While no projector runs, the stream waits with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from infra.consumer import (
    ConsumerLoop,
    Fetch,
    ManualAssignment,
    Records,
    TopicPartition,
)
from infra.settings import Settings
from projections import ProjectionError
from schemas.alerts import AlertTransitioned, decode_transition, transition_id
from schemas.topics import ALERTS_TOPIC

log = logging.getLogger(__name__)
Item = tuple[int, AlertTransitioned]
# Waits until the alerts projection has stored the record at an offset; raises
# projections.ProjectionError after a while (the caller waits again).
Stored = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Interest:
    """Which transitions one client wants."""

    org_id: str
    severity: str | None = None
    device_id: str | None = None

    def wants(self, event: AlertTransitioned) -> bool:
        """Whether this client should get the transition."""
        return (
            event.org_id == self.org_id
            and (self.severity is None or event.severity == self.severity)
            and (self.device_id is None or event.device_id == self.device_id)
        )


@dataclass(eq=False)
class Subscriber:
    """One connected client's queue."""

    interest: Interest
    queue: asyncio.Queue[Item | None]
    start: int = -1  # the hub's position when the client subscribed
    overflowed: bool = False


@dataclass
class _Seen:
    """Recent transitions by id, oldest first, bounded."""

    limit: int
    ids: OrderedDict[str, int] = field(default_factory=OrderedDict)

    def first_time(self, transition_id: str, offset: int) -> bool:
        if transition_id in self.ids:
            return False
        self.ids[transition_id] = offset
        while len(self.ids) > self.limit:
            self.ids.popitem(last=False)
        return True


class AlertHub:
    """Reads the alerts topic and pushes each new transition to its subscribers."""

    def __init__(self, settings: Settings, stored: Stored | None = None) -> None:
        self.settings = settings
        self.stored = stored
        self.topic = settings.topic(ALERTS_TOPIC)
        self.recent: deque[Item] = deque(maxlen=max(1, settings.sse_replay_events))
        self.seen = _Seen(4 * max(1, settings.sse_replay_events))
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.position = -1  # last offset read
        self.start_offset = 0  # first offset this process read
        self.floor = 0  # every transition from here on is in the ring
        self.ready = asyncio.Event()
        self.closing = False
        self.moved = asyncio.Condition()
        self._end = 0  # the topic's end offset when the hub started
        # Read for as long as the process runs: the stream must outlive any broker
        # trouble, so a failed consumer is replaced and resumes after the last
        # offset read.
        self._loop = ConsumerLoop(
            settings,
            "alert-hub",
            ManualAssignment((TopicPartition(self.topic, 0),), self._begin),
            self._take_all,
            # Quick while a stream is open or someone waits; quiet otherwise.
            Fetch(
                timeout_ms=500,
                max_records=1000,
                max_wait_ms=5,
                idle_wait_ms=settings.fetch_idle_wait_ms,
            ),
            on_idle=self._idle,
            reconnect=True,
        )

    @property
    def failures(self) -> int:
        """Times the consumer failed and was replaced."""
        return self._loop.failures

    async def start(self) -> None:
        """Start reading from the recent end of the topic."""
        await self._loop.start()
        if self._end <= self.start_offset:
            self.ready.set()

    def _begin(self, end: int) -> int:
        """Start a ring's worth of transitions before the end of the topic."""
        self._end = end
        self.start_offset = max(0, end - (self.recent.maxlen or 1))
        self.floor = self.start_offset
        self.position = self.start_offset - 1
        return self.start_offset

    async def stop(self) -> None:
        """Stop reading and end every open stream."""
        await self._loop.stop()
        self.end_streams()

    def end_streams(self) -> None:
        """End every open stream; streams opened from now on end at once."""
        self.closing = True
        for subs in self.subscribers.values():
            for sub in subs:
                _offer(sub, None)

    async def _take_all(self, batches: Records) -> None:
        last = max(
            (r.offset for records in batches.values() for r in records), default=-1
        )
        await self._wait_projected(last)
        for records in batches.values():
            for record in records:
                self._take(record.offset, record.value)
        if self.position >= self._end - 1:
            self.ready.set()
        await self._notify_moved()

    async def _wait_projected(self, offset: int) -> None:
        """Hold the batch until ClickHouse has it (see the module docstring)."""
        if self.stored is None or offset < 0:
            return
        while True:
            try:
                await self.stored(offset)
                return
            except ProjectionError:
                log.warning(
                    "alert stream waiting for the alerts projection to store "
                    "offset %s (is a projector running?)",
                    offset,
                )

    async def _idle(self) -> None:
        self.ready.set()
        await self._notify_moved()

    async def _notify_moved(self) -> None:
        async with self.moved:
            self.moved.notify_all()

    def _take(self, offset: int, value: bytes | None) -> None:
        self.position = offset
        if value is None:
            return
        try:
            event = decode_transition(value)
        except Exception:  # one bad record must not stop the stream
            log.exception("skipping undecodable alert transition at %s", offset)
            return
        if not self.seen.first_time(event.transition_id, offset):
            return
        if len(self.recent) == self.recent.maxlen:
            self.floor = self.recent[0][0] + 1  # the oldest is about to go
        self.recent.append((offset, event))
        for sub in self.subscribers.get(event.org_id, ()):
            if sub.interest.wants(event):
                _offer(sub, (offset, event))

    def subscribe(self, interest: Interest) -> Subscriber:
        """Register a client; it gets every transition read from now on."""
        limit = max(1, self.settings.sse_client_buffer)
        sub = Subscriber(interest, asyncio.Queue(maxsize=limit + 1), self.position)
        self.subscribers.setdefault(interest.org_id, set()).add(sub)
        self._loop.pace.enter()
        self._loop.hurry()
        if self.closing:
            _offer(sub, None)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Forget a client."""
        subs = self.subscribers.get(sub.interest.org_id)
        if subs is not None and sub in subs:
            subs.remove(sub)
            self._loop.pace.leave()
            if not subs:
                del self.subscribers[sub.interest.org_id]

    def replayable(self, after: int) -> list[Item] | None:
        """What an org missed after offset ``after`` if the ring still holds it;
        None when older transitions must come from ClickHouse."""
        if after + 1 < self.floor:
            return None
        return [item for item in self.recent if item[0] > after]

    async def wait_position(self, offset: int, timeout_s: float) -> bool:
        """Wait until the hub has read up to ``offset`` (a client may have seen it
        from a process further ahead)."""

        async def caught_up() -> None:
            async with self.moved:
                await self.moved.wait_for(lambda: self.position >= offset)

        if self.position < offset:
            self._loop.hurry()
        try:
            await asyncio.wait_for(caught_up(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def wait_for(self, transition_id: str, timeout_s: float) -> bool:
        """Wait until a transition has been read (for read-your-writes)."""

        async def seen() -> None:
            async with self.moved:
                await self.moved.wait_for(lambda: transition_id in self.seen.ids)

        self._loop.hurry()
        try:
            await asyncio.wait_for(seen(), timeout_s)
        except TimeoutError:
            return False
        return True

    def furthest(self, event_id: str, stored: str) -> str:
        """The alert's status, counting transitions read here but maybe not yet in
        ClickHouse (the lifecycle only moves forward)."""
        for status in ("resolved", "acknowledged"):
            if status == stored or transition_id(event_id, status) in self.seen.ids:
                return status
        return stored

    def connections(self, org_id: str | None = None) -> int:
        """Open streams (of one org)."""
        if org_id is not None:
            return len(self.subscribers.get(org_id, ()))
        return sum(len(s) for s in self.subscribers.values())


def _offer(sub: Subscriber, item: Item | None) -> None:
    """Queue an item; a full queue marks the client as too slow (it is cut off)."""
    if sub.overflowed:
        return
    if item is not None and sub.queue.qsize() >= sub.queue.maxsize - 1:
        sub.overflowed = True
        item = None
    sub.queue.put_nowait(item)


async def drain(sub: Subscriber, heartbeat_s: float) -> AsyncIterator[Item | None]:
    """A client's items as they come; None every ``heartbeat_s`` of silence, and
    the end when the hub stops or the client fell too far behind."""
    while True:
        try:
            item = await asyncio.wait_for(sub.queue.get(), heartbeat_s)
        except TimeoutError:
            yield None
            continue
        if item is None:
            return
        yield item
