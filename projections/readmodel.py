"""The in-memory entity read model, folded from ``vigil.entities.v1`` by a consumer."""

from __future__ import annotations

import asyncio
import logging
import time

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
        self._folded = asyncio.Condition()
        # The log's end, and the wall-clock ms just before it was asked for.
        self._end: tuple[int, int] = (-1, 0)
        self._asking: asyncio.Lock = asyncio.Lock()
        tp = TopicPartition(settings.topic(ENTITIES_TOPIC), 0)
        self._tp = tp
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

    async def wait_fresh(self, since_ms: int, timeout_s: float) -> bool:  # noqa: ASYNC109
        """Wait until every entity event appended before wall-clock ``since_ms`` is
        folded: a stream agent calls it with a record's timestamp, so a rule or a
        field created (and acknowledged) before a measurement was posted is known
        when that measurement is judged, whatever this process's fold lag. False
        (logged) when that takes longer than ``timeout_s``; the caller goes on.
        Relies on the clocks of the writing and the judging hosts agreeing (NTP)."""
        try:
            async with asyncio.timeout(timeout_s):
                end = await self._end_after(since_ms)
                async with self._folded:
                    await self._folded.wait_for(lambda: self.state.offset >= end - 1)
        except TimeoutError:
            log.warning(
                "entity read model at offset %s: not fresh within %.1fs",
                self.state.offset,
                timeout_s,
            )
            return False
        except Exception as ex:  # no consumer right now, the broker refused…
            log.warning("entity read model freshness unknown: %s", ex)
            return False
        return True

    async def _end_after(self, since_ms: int) -> int:
        """The log's end as asked after ``since_ms`` (one request answers every
        caller with an earlier time)."""
        async with self._asking:
            end, asked_ms = self._end
            if asked_ms <= since_ms:
                asked_ms = int(time.time() * 1000)
                end = await self._loop.end_offset(self._tp)
                self._end = (end, asked_ms)
            return end

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
        async with self._folded:
            self._folded.notify_all()

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
