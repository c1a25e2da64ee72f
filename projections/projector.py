"""Run a projection: consume a topic, batch rows, insert exactly once, then commit.

Every projected table carries ``topic_id``, ``partition`` and ``offset`` columns.
On assignment a partition resumes after the larger of the committed offset and the
last offset already in ClickHouse, so a crash between insert and commit re-reads
nothing twice; a replay of the same range carries the same deduplication token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

import pyarrow as pa

from infra.clickhouse import AsyncStore, StoreError
from infra.consumer import (
    ConsumerLoop,
    Fetch,
    GroupSubscription,
    Records,
    TopicPartition,
)
from infra.settings import Settings
from infra.topics import topic_id
from projections.sink import BatchingSink, Block, batch_token

log = logging.getLogger(__name__)


class Projection(Protocol):
    """Maps one topic's records to columns of one table."""

    name: str
    topic: str
    table: str
    schema: pa.Schema  # the inserted columns and their Arrow types

    def columns(
        self,
        topic_id: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
    ) -> Block | None:
        """Column values for one record (every column the same length); None: skip."""


class Projector:
    """Consumes a projection's topic in a consumer group and writes its table."""

    def __init__(self, settings: Settings, store: AsyncStore, projection: Projection):
        self.settings = settings
        self.store = store
        self.projection = projection
        self.topic = settings.topic(projection.topic)
        self.table = f"{store.database}.{projection.table}"
        # A projection of few, small records (mails, actions) may flush sooner than
        # the telemetry ones: someone waits on each of its records.
        flush_ms = min(
            settings.projection_flush_ms,
            getattr(projection, "flush_ms", settings.projection_flush_ms),
        )
        self.sink = BatchingSink(settings.projection_batch_rows, flush_ms / 1000)
        self.eager = settings.ack_after_projection
        self.topic_id = ""
        self.flushed: dict[int, int] = {}
        # Next offset each owned partition expects. aiokafka may hand out records
        # fetched before the assignment callback sought; those are dropped here.
        self._next: dict[int, int] = {}
        self.rows_written = 0
        self.retrying: BaseException | None = None  # the last failed insert, if any
        self.resumed_at: float | None = None  # monotonic time of the last assignment
        self._loop = ConsumerLoop(
            settings,
            f"projector-{self.table}",
            GroupSubscription(
                (self.topic,),
                f"projector-{projection.name}",
                on_assigned=self._assigned,
                on_revoked=self._revoked,
            ),
            self._project,
            Fetch(
                timeout_ms=flush_ms,
                max_records=settings.projection_batch_rows,
                # A writer acknowledged after this projection waits on each
                # fetch (Tansu holds one for the whole wait): short then.
                max_wait_ms=min(10 if settings.ack_after_projection else 50, flush_ms),
                idle_wait_ms=settings.fetch_idle_wait_ms,
            ),
            on_idle=self._flush_due,  # a quiet topic still flushes what has aged
            options={"max_partition_fetch_bytes": 8 << 20},
        )

    @property
    def failed(self) -> BaseException | None:
        """What stopped this projector, if anything did."""
        return self._loop.failed

    async def start(self) -> None:
        """Join the group and start projecting in the background."""
        self.topic_id = await asyncio.to_thread(
            topic_id, self.settings, self.projection.topic
        )
        await self._loop.start()

    async def stop(self) -> None:
        """Flush what is buffered and leave the group."""
        await self._loop.stop(final=self._flush_all)

    async def kill(self) -> None:
        """Stop at once, dropping the buffer and committing nothing (tests, faults)."""
        await self._loop.stop(final=self._drop_all)

    async def _project(self, batches: Records) -> None:
        unresumed = {tp for tp in batches if tp.partition not in self._next}
        if unresumed:  # the assignment callback failed: seek now, refetch
            await self._retry_resume(unresumed)
        for tp, records in batches.items():
            if tp not in unresumed:
                self._add(tp.partition, records)
        await self._flush_due()

    async def _flush_due(self) -> None:
        # Once one partition is due the others go in the same insert. A writer
        # acknowledged after the projection waits on every row, so then whatever
        # a fetch brought is written at once: rows arriving during an insert make
        # the next one (group commit), and the flush age only bounds quiet times.
        if self.sink.due() or (self.eager and self.sink.buffered_rows):
            await self.flush(self.sink.due(force=True))

    async def _flush_all(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush(self.sink.due(force=True))

    async def _drop_all(self) -> None:
        self.sink.drop(self.sink.due(force=True))

    def _add(self, partition: int, records: Sequence[Any]) -> None:
        for r in records:
            expected = self._next.get(partition)
            if expected is None or r.offset < expected:
                continue
            block = self.projection.columns(
                self.topic_id, partition, r.offset, r.key, r.value
            )
            self.sink.add(partition, r.offset, block)
            self._next[partition] = r.offset + 1

    async def flush(self, partitions: Sequence[int]) -> None:
        """Insert the due partitions' batches as one block, then commit past them.

        One insert for every partition: a chDB insert costs a fixed ~25 ms whatever
        its size, and writers acknowledged after the projection wait for it."""
        batches = [b for p in partitions if (b := self.sink.take(p)) is not None]
        if not batches:
            return
        filled = [b for b in batches if b.rows]
        if filled:
            schema = self.projection.schema
            table = pa.concat_tables([b.table(schema) for b in filled])
            token = batch_token(filled, self.projection.name, self.topic_id)
            await self._insert(table.combine_chunks(), token)
        # A refused commit (e.g. a rebalance took the partition) loses nothing: the
        # rows are in ClickHouse, and whoever owns it next resumes past them.
        await self._loop.commit(
            {TopicPartition(self.topic, b.partition): b.last + 1 for b in batches}
        )
        for b in batches:
            self.flushed[b.partition] = b.last
            self.rows_written += b.rows

    async def _insert(self, table: pa.Table, token: str) -> None:
        """Insert, retrying with the same token until ClickHouse takes it."""
        delay = 0.2
        while True:
            try:
                await self.store.insert_arrow(self.table, table, token)
                self.retrying = None
                return
            except StoreError as ex:
                self.retrying = ex
                log.warning(
                    "%s: insert failed, retrying in %.1fs: %s", self.table, delay, ex
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def revoke(self, partitions: Sequence[int]) -> None:
        """Flush, then forget, partitions handed to another consumer."""
        await self.flush(partitions)
        for partition in partitions:
            self._next.pop(partition, None)

    async def stored_positions(self) -> dict[int, int]:
        """Last offset already in the table, per partition of this topic incarnation."""
        rows = await self.store.query(
            f"SELECT partition, max(offset) FROM {self.table} "
            "WHERE topic_id = {topic_id:String} GROUP BY partition",
            {"topic_id": self.topic_id},
        )
        return {int(p): int(o) for p, o in rows.rows}

    async def _retry_resume(self, partitions: set[TopicPartition]) -> None:
        try:
            await self.resume(partitions)
        except Exception as ex:  # noqa: BLE001 - next round tries again
            log.warning("%s: resume failed: %s", self.table, ex)
            await asyncio.sleep(0.5)

    async def resume(self, assigned: set[TopicPartition]) -> None:
        """Seek each assigned partition past what ClickHouse already holds."""
        stored = await self.stored_positions()
        for tp in assigned:
            committed = await self._loop.committed(tp)
            resume_at = max(committed or 0, stored.get(tp.partition, -1) + 1)
            if resume_at > (committed or 0):
                # What ClickHouse holds is stored: say so, for writers waiting on
                # this group's committed offset (VIGIL_ACK_AFTER=projection).
                await self._loop.commit({tp: resume_at})
            self._loop.seek(tp, resume_at)
            self._next[tp.partition] = resume_at
            log.debug(
                "%s partition %s resumes at %s", self.table, tp.partition, resume_at
            )
        resumed = getattr(self.projection, "resumed", None)
        if resumed is not None:  # e.g. what it already stored, to skip resends
            await resumed(self.store, self.table)
        self.resumed_at = time.monotonic()

    async def _revoked(self, revoked: set[TopicPartition]) -> None:
        await self.revoke([tp.partition for tp in revoked])

    async def _assigned(self, assigned: set[TopicPartition]) -> None:
        try:
            await self.resume(assigned)
        except Exception:  # the run loop resumes these partitions before using them
            log.warning(
                "resuming %s failed; retrying from the run loop",
                assigned,
                exc_info=True,
            )
