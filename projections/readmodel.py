"""The in-memory entity read model, folded from ``vigil.entities.v1`` by a consumer."""

from __future__ import annotations

import asyncio
import logging

from domain.entity_state import EntityState, Outcome, evolve
from infra.consumer import (
    BEGINNING,
    ConsumerLoop,
    Fetch,
    ManualAssignment,
    Records,
    TopicPartition,
)
from infra.settings import Settings
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
        tp = TopicPartition(settings.topic(ENTITIES_TOPIC), 0)
        self._loop = ConsumerLoop(
            settings,
            "entity-read-model",
            ManualAssignment((tp,), BEGINNING),
            self._fold_all,
            # Tansu answers a fetch only when fetch_max_wait_ms runs out, not when
            # data arrives: keep the wait short, writers wait on this fold.
            Fetch(timeout_ms=200, max_records=10_000, max_wait_ms=5),
            on_idle=self._idle,
            options={"max_partition_fetch_bytes": 8 << 20},
        )

    @property
    def failed(self) -> BaseException | None:
        """What stopped the fold, if anything did (shown by /readyz)."""
        return self._loop.failed

    async def start(self) -> None:
        """Start folding from the beginning of the log."""
        await self._loop.start()

    async def stop(self) -> None:
        """Stop folding."""
        await self._loop.stop()

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

    async def _idle(self) -> None:
        if not self.caught_up.is_set():
            log.info("entity read model caught up at offset %s", self.state.offset)
            self.caught_up.set()

    async def _fold_all(self, batches: Records) -> None:
        for records in batches.values():
            for record in records:
                self._fold(record.offset, record.value)

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
