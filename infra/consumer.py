"""One consumer loop: take partitions, fetch in batches, hand each batch to a
handler, commit once it succeeded, and reconnect after a failure.

The projectors, the entity read model and the live alert hub all run on it; what
they do with the records stays with them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from aiokafka import (
    AIOKafkaConsumer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    OffsetAndMetadata,
    TopicPartition,
)
from aiokafka.errors import KafkaError

from infra import InfraError, kafka
from infra.settings import Settings

__all__ = [
    "BEGINNING",
    "Backoff",
    "ConsumerLoop",
    "Fetch",
    "GroupSubscription",
    "ManualAssignment",
    "NotConnected",
    "Records",
    "TopicPartition",
    "next_positions",
]

log = logging.getLogger(__name__)

Records = Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]
Handler = Callable[[Records], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]
PartitionsChanged = Callable[[set[TopicPartition]], Awaitable[None]]
BEGINNING: Final = "beginning"
# Where a manually assigned partition starts: its beginning, an offset, or an
# offset chosen from the partition's end offset (e.g. "the last N records").
Start = Literal["beginning"] | int | Callable[[int], int]


class NotConnected(InfraError):
    """The loop has no open consumer (not started, stopped, or reconnecting)."""


@dataclass(frozen=True)
class Fetch:
    """How one poll asks for records.

    ``max_wait_ms`` is the broker's ``fetch_max_wait_ms``. Tansu answers a fetch
    only when it runs out, not when data arrives: keep it short wherever someone
    waits on what the loop reads.
    """

    timeout_ms: int  # how long one getmany waits for records
    max_records: int
    max_wait_ms: int


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnects: doubling from ``first_s`` up to ``max_s``."""

    first_s: float = 0.5
    max_s: float = 10.0

    def after(self, delay_s: float) -> float:
        """The delay that follows ``delay_s``."""
        return min(delay_s * 2, self.max_s)


@dataclass(frozen=True)
class GroupSubscription:
    """Join a consumer group on ``topics``; the group assigns the partitions.

    Tansu holds the first join for the whole rebalance timeout, so the settings
    keep that timeout short in dev and tests.
    """

    topics: tuple[str, ...]
    group: str
    on_assigned: PartitionsChanged | None = None
    on_revoked: PartitionsChanged | None = None
    commit_handled: bool = False  # commit each batch once its handler returned


@dataclass(frozen=True)
class ManualAssignment:
    """Read the given partitions outside any group, from ``start``."""

    partitions: tuple[TopicPartition, ...]
    start: Start = BEGINNING


def next_positions(records: Records) -> dict[TopicPartition, int]:
    """The offset after the last record of each partition in a batch."""
    return {tp: batch[-1].offset + 1 for tp, batch in records.items() if batch}


class ConsumerLoop:
    """Consume in the background and hand every fetched batch to ``handler``.

    An empty fetch is reported to ``on_idle`` (the partitions are caught up). A
    failure of the consumer or the handler ends the loop, recorded in ``failed``,
    unless ``reconnect`` is set: then a new consumer resumes after the last handled
    record, with backoff between attempts.
    """

    def __init__(
        self,
        settings: Settings,
        name: str,
        source: GroupSubscription | ManualAssignment,
        handler: Handler,
        fetch: Fetch,
        *,
        on_idle: Hook | None = None,
        reconnect: bool = False,
        backoff: Backoff | None = None,
        options: Mapping[str, Any] | None = None,
        make_consumer: Callable[[], AIOKafkaConsumer] | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.handler = handler
        self.fetch = fetch
        self.on_idle = on_idle
        self.reconnect = reconnect
        self.backoff = backoff or Backoff()
        self.failed: BaseException | None = None  # what ended a non-reconnecting loop
        self.failures = 0
        # Where each partition goes on: after its last handled record, or where a
        # seek put it. A reconnect resumes there.
        self.next_offsets: dict[TopicPartition, int] = {}
        group = source.group if isinstance(source, GroupSubscription) else None
        self._commit_handled = (
            isinstance(source, GroupSubscription) and source.commit_handled
        )
        extra = {**(options or {}), "fetch_max_wait_ms": fetch.max_wait_ms}
        self._make_consumer = make_consumer or (
            lambda: kafka.consumer(settings, group=group, **extra)
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect, take and position the partitions, then fetch in the background."""
        await self._connect()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, final: Hook | None = None) -> None:
        """Stop fetching; run ``final`` (a last flush) while the consumer is still
        open, then close it."""
        task, self._task = self._task, None
        try:
            if task is not None:
                task.cancel()
                await asyncio.wait([task])
                if not task.cancelled():
                    task.exception()  # already logged and recorded in `failed`
            if final is not None and self._consumer is not None:
                await final()
        finally:
            await self._close()

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> bool:
        """Commit the next offset to read per partition; False (logged) when Kafka
        refuses, e.g. after a rebalance took the partition away."""
        consumer = self._require()
        try:
            await consumer.commit(
                {tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()}
            )
        except KafkaError as ex:
            log.warning("%s: commit of %s failed: %s", self.name, dict(offsets), ex)
            return False
        return True

    async def committed(self, tp: TopicPartition) -> int | None:
        """The group's committed offset of a partition, if any."""
        offset: int | None = await self._require().committed(tp)
        return offset

    async def end_offset(self, tp: TopicPartition) -> int:
        """The offset the next record appended to ``tp`` will get (asked now)."""
        ends = await self._require().end_offsets([tp])
        return int(ends[tp])

    def seek(self, tp: TopicPartition, offset: int) -> None:
        """Read ``tp`` from ``offset`` on."""
        self._require().seek(tp, offset)
        self.next_offsets[tp] = offset

    def _require(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise NotConnected(f"{self.name} has no open consumer")
        return self._consumer

    async def _connect(self) -> None:
        consumer = self._make_consumer()
        self._consumer = consumer
        try:
            await consumer.start()
            if isinstance(self.source, GroupSubscription):
                listener = _Listener(self.source)
                consumer.subscribe(list(self.source.topics), listener=listener)
            else:
                consumer.assign(list(self.source.partitions))
                for tp in self.source.partitions:
                    await self._position(consumer, tp, self.source.start)
        except BaseException:  # a cancelled or failed start leaves nothing open
            await self._close()
            raise

    async def _position(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, start: Start
    ) -> None:
        offset = self.next_offsets.get(tp)  # set: a reconnect resumes there
        if offset is None:
            if isinstance(start, int):
                offset = start
            elif callable(start):
                offset = start((await consumer.end_offsets([tp]))[tp])
            else:
                await consumer.seek_to_beginning(tp)
                return
        consumer.seek(tp, offset)
        self.next_offsets[tp] = offset

    async def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    async def _run(self) -> None:
        delay = self.backoff.first_s
        while True:
            try:
                if self._consumer is None:
                    await self._connect()
                    delay = self.backoff.first_s
                await self._fetch_forever(self._require())
            except Exception as ex:
                self.failures += 1
                if not self.reconnect:
                    log.exception("%s stopped", self.name)
                    self.failed = ex
                    raise
                log.exception("%s: consumer failed; reconnecting", self.name)
                await self._close_quietly()
                await asyncio.sleep(delay)
                delay = self.backoff.after(delay)

    async def _fetch_forever(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            records: Records = await consumer.getmany(
                timeout_ms=self.fetch.timeout_ms, max_records=self.fetch.max_records
            )
            if not records:
                if self.on_idle is not None:
                    await self.on_idle()
                continue
            await self.handler(records)
            handled = next_positions(records)
            self.next_offsets.update(handled)
            if self._commit_handled:
                await self.commit(handled)

    async def _close_quietly(self) -> None:
        try:
            await self._close()
        except Exception:  # the consumer is being replaced anyway
            log.warning("%s: closing the failed consumer failed", self.name)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    """Pass a group's partition changes on to the subscription's callbacks."""

    def __init__(self, source: GroupSubscription) -> None:
        self.source = source

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if self.source.on_revoked is not None:
            await self.source.on_revoked(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if self.source.on_assigned is not None:
            await self.source.on_assigned(assigned)
