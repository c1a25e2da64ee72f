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
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from infra import kafka
from infra.clickhouse import AsyncStore, StoreError
from infra.settings import Settings
from infra.topics import topic_id
from projections.sink import Batch, BatchingSink, Columns

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
    ) -> Columns | None:
        """Column values for one record (every column the same length); None: skip."""


class Projector:
    """Consumes a projection's topic in a consumer group and writes its table."""

    def __init__(self, settings: Settings, store: AsyncStore, projection: Projection):
        self.settings = settings
        self.store = store
        self.projection = projection
        self.topic = settings.topic(projection.topic)
        self.table = f"{store.database}.{projection.table}"
        self.sink = BatchingSink(
            settings.projection_batch_rows, settings.projection_flush_ms / 1000
        )
        self.topic_id = ""
        self.flushed: dict[int, int] = {}
        # Next offset each owned partition expects. aiokafka may hand out records
        # fetched before the assignment callback sought; those are dropped here.
        self._next: dict[int, int] = {}
        self.rows_written = 0
        self.failed: BaseException | None = None
        self.retrying: BaseException | None = None  # the last failed insert, if any
        self.resumed_at: float | None = None  # monotonic time of the last assignment
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Join the group and start projecting in the background."""
        self.topic_id = await asyncio.to_thread(
            topic_id, self.settings, self.projection.topic
        )
        self._consumer = kafka.consumer(
            self.settings,
            group=f"projector-{self.projection.name}",
            fetch_max_wait_ms=min(50, self.settings.projection_flush_ms),
            max_partition_fetch_bytes=8 << 20,
        )
        await self._consumer.start()
        self._consumer.subscribe([self.topic], listener=_Resume(self))
        self._task = asyncio.create_task(self._run(), name=f"projector-{self.table}")

    async def stop(self) -> None:
        """Flush what is buffered and leave the group."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self.flush(self.sink.due(force=True))
            await self._consumer.stop()

    async def kill(self) -> None:
        """Stop at once, dropping the buffer and committing nothing (tests, faults)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self.sink.drop(self.sink.due(force=True))
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None  # noqa: S101 - set in start()
        wait_ms = self.settings.projection_flush_ms
        try:
            while True:
                batches = await self._consumer.getmany(
                    timeout_ms=wait_ms, max_records=self.settings.projection_batch_rows
                )
                unresumed = {tp for tp in batches if tp.partition not in self._next}
                if unresumed:  # the assignment callback failed: seek now, refetch
                    await self._retry_resume(unresumed)
                for tp, records in batches.items():
                    if tp not in unresumed:
                        self._add(tp.partition, records)
                await self.flush(self.sink.due())
        except asyncio.CancelledError:
            raise
        except Exception as ex:
            log.exception("projector %s stopped", self.table)
            self.failed = ex
            raise

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
        """Insert each due partition's batch once, then commit past it."""
        for partition in partitions:
            batch = self.sink.take(partition)
            if batch is not None:
                await self._write(batch)

    async def _write(self, batch: Batch) -> None:
        assert self._consumer is not None  # noqa: S101 - set in start()
        if batch.rows:
            table = pa.Table.from_pydict(batch.columns, schema=self.projection.schema)
            await self._insert(table, batch.token(self.projection.name, self.topic_id))
        tp = TopicPartition(self.topic, batch.partition)
        try:
            await self._consumer.commit({tp: OffsetAndMetadata(batch.last + 1, "")})
        except KafkaError as ex:  # e.g. a rebalance took the partition: the rows are
            # in ClickHouse, and whoever owns it next resumes past them
            log.warning("%s: commit after %s failed: %s", self.table, batch.last, ex)
        self.flushed[batch.partition] = batch.last
        self.rows_written += batch.rows

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
        assert self._consumer is not None  # noqa: S101 - set in start()
        stored = await self.stored_positions()
        for tp in assigned:
            committed = await self._consumer.committed(tp)
            resume_at = max(committed or 0, stored.get(tp.partition, -1) + 1)
            self._consumer.seek(tp, resume_at)
            self._next[tp.partition] = resume_at
            log.debug(
                "%s partition %s resumes at %s", self.table, tp.partition, resume_at
            )
        self.resumed_at = time.monotonic()


class _Resume(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.projector.revoke([tp.partition for tp in revoked])

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        try:
            await self.projector.resume(assigned)
        except Exception:  # the run loop resumes these partitions before using them
            log.warning(
                "resuming %s failed; retrying from the run loop",
                assigned,
                exc_info=True,
            )
