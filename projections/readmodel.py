"""The in-memory entity read model, folded from ``vigil.entities.v1`` by a consumer."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from infra import kafka
from infra.settings import Settings
from projections.entities import EntityState, Outcome, evolve
from schemas import SchemaError
from schemas.events import decode_entity
from schemas.topics import ENTITIES_TOPIC

log = logging.getLogger(__name__)


class EntityReadModel:
    """Fold the entity log into :class:`EntityState`; wake writers waiting on it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = EntityState()
        self.caught_up = asyncio.Event()
        self._waiters: dict[str, asyncio.Future[Outcome]] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self.failed: BaseException | None = None

    async def start(self) -> None:
        """Start folding from the beginning of the log."""
        tp = TopicPartition(self.settings.topic(ENTITIES_TOPIC), 0)
        # Tansu answers a fetch only when fetch_max_wait_ms runs out, not when data
        # arrives: keep the wait short, writers wait on this fold.
        self._consumer = kafka.consumer(
            self.settings, max_partition_fetch_bytes=8 << 20, fetch_max_wait_ms=5
        )
        await self._consumer.start()
        self._consumer.assign([tp])
        await self._consumer.seek_to_beginning(tp)
        self._task = asyncio.create_task(self._run(), name="entity-read-model")

    async def stop(self) -> None:
        """Stop folding."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def wait_caught_up(self, timeout: float) -> None:  # noqa: ASYNC109
        """Return once everything in the log at start has been folded."""
        await asyncio.wait_for(self.caught_up.wait(), timeout)

    def expect(self, event_id: str) -> asyncio.Future[Outcome]:
        """A future that resolves with the outcome of ``event_id`` once folded."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiters[event_id] = future
        return future

    def forget(self, event_id: str) -> None:
        """Drop the waiter of an event that was never written."""
        self._waiters.pop(event_id, None)

    async def _run(self) -> None:
        assert self._consumer is not None  # noqa: S101 - set in start()
        try:
            while True:
                batches = await self._consumer.getmany(
                    timeout_ms=200, max_records=10_000
                )
                if not batches and not self.caught_up.is_set():
                    log.info(
                        "entity read model caught up at offset %s", self.state.offset
                    )
                    self.caught_up.set()
                for records in batches.values():
                    for record in records:
                        self._fold(record.offset, record.value)
        except asyncio.CancelledError:
            raise
        except Exception as ex:  # keep the failure visible to /readyz
            log.exception("entity read model stopped")
            self.failed = ex
            raise

    def _fold(self, offset: int, value: bytes | None) -> None:
        self.state.offset = offset
        if value is None:  # a compaction tombstone carries nothing to fold
            return
        try:
            event = decode_entity(value)
        except SchemaError:
            log.exception("skipping undecodable entity event at offset %s", offset)
            return
        outcome = evolve(self.state, event)
        waiter = self._waiters.pop(event.event_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(outcome)
