"""How far each projection has durably written, read from its committed offsets.

A projector commits a partition's offset only after ClickHouse took the rows before
it, so a group's committed offset is a durable watermark: every record below it is
in ClickHouse. A writer that must not acknowledge before its record survives the
loss of the broker (``VIGIL_ACK_AFTER=projection``, the embedded default, whose
broker keeps topics in memory) waits here until the watermark passes its offset.

Only processes with waiters poll (every ``poll_s``, one offset fetch per watched
partition); the watcher never joins the projectors' groups, it only reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from infra import kafka
from infra.consumer import TopicPartition
from infra.settings import Settings
from projections import ProjectionError

log = logging.getLogger(__name__)


class NotDurableYet(ProjectionError):
    """Kafka has the write, but its projection did not store it in time."""


@dataclass
class _Watch:
    """Waiters on one group's partition, and its last seen watermark."""

    watermark: int = -1
    waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)


class ProjectionProgress:
    """Wait until a projector group's committed offset passes a record."""

    def __init__(self, settings: Settings, poll_s: float = 0.005) -> None:
        self.settings = settings
        self.poll_s = poll_s
        self._consumers: dict[str, AIOKafkaConsumer] = {}
        self._watches: dict[tuple[str, TopicPartition], _Watch] = {}
        self._poller: asyncio.Task[None] | None = None

    async def wait_stored(
        self, projection: str, topic: str, partition: int, offset: int
    ) -> None:
        """Return once the projector of ``projection`` has stored the record at
        ``offset``; :class:`NotDurableYet` after ``VIGIL_WRITE_TIMEOUT_S``."""
        key = (projection, TopicPartition(topic, partition))
        watch = self._watches.setdefault(key, _Watch())
        if watch.watermark > offset:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        watch.waiters.append((offset, future))
        self._ensure_polling()
        try:
            await asyncio.wait_for(future, self.settings.write_timeout_s)
        except TimeoutError as ex:
            raise NotDurableYet(
                f"{projection} has not stored {topic}[{partition}]@{offset} yet"
            ) from ex
        finally:
            if not future.done():
                future.cancel()

    def _ensure_polling(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll(), name="projection-progress")

    async def _poll(self) -> None:
        while any(w.waiters for w in self._watches.values()):
            for key, watch in list(self._watches.items()):
                if watch.waiters:
                    await self._refresh(key, watch)
            await asyncio.sleep(self.poll_s)

    async def _refresh(self, key: tuple[str, TopicPartition], watch: _Watch) -> None:
        projection, tp = key
        try:
            consumer = await self._consumer(projection)
            committed = await consumer.committed(tp)
        except Exception:  # the broker is busy or gone: the waiters time out
            log.debug("cannot read the progress of %s", projection, exc_info=True)
            return
        watch.watermark = max(
            watch.watermark, committed if committed is not None else -1
        )
        keep = []
        for offset, future in watch.waiters:
            if future.done():
                continue
            if watch.watermark > offset:
                future.set_result(None)
            else:
                keep.append((offset, future))
        watch.waiters = keep

    async def _consumer(self, projection: str) -> AIOKafkaConsumer:
        """A consumer in the projector's group that never subscribes: it only
        fetches the group's committed offsets."""
        consumer = self._consumers.get(projection)
        if consumer is None:
            consumer = kafka.consumer(self.settings, group=f"projector-{projection}")
            await consumer.start()
            self._consumers[projection] = consumer
        return consumer

    async def stop(self) -> None:
        """Stop polling and close the consumers."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        for consumer in self._consumers.values():
            with contextlib.suppress(Exception):
                await consumer.stop()
        self._consumers.clear()
