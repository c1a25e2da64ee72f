"""Batching sink buffers: columns per partition, flushed as one insert per offset
range.

Pure bookkeeping (no I/O): the projector feeds records in and asks what is due.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import pyarrow as pa

Columns = Mapping[str, Sequence[Any]]
# A record's rows: columns of Python values, or Arrow columns built without a
# per-row loop. One projection yields one kind.
Block: TypeAlias = "Columns | pa.RecordBatch"
MICROS = pa.timestamp("us", tz="UTC")
# Every projected table ends with its rows' source position (see projector.py).
POSITION: list[tuple[str, pa.DataType]] = [
    ("topic_id", pa.string()),
    ("partition", pa.uint16()),
    ("offset", pa.uint64()),
]


@dataclass
class Batch:
    """Columns buffered from one partition, covering offsets ``first`` to ``last``."""

    partition: int
    first: int
    last: int
    columns: dict[str, list[Any]] = field(default_factory=dict)
    arrow: list[pa.RecordBatch] = field(default_factory=list)
    rows: int = 0
    opened_at: float = 0.0

    def token(self, sink: str, topic_id: str) -> str:
        """The deduplication token of this (topic, partition, offset range)."""
        return f"{sink}:{topic_id}:{self.partition}:{self.first}-{self.last}"

    def extend(self, block: Block) -> None:
        """Append a block of columns (every column the same length)."""
        if isinstance(block, pa.RecordBatch):
            self.arrow.append(block)
            self.rows += block.num_rows
            return
        if not block:
            return
        for name, values in block.items():
            self.columns.setdefault(name, []).extend(values)
        self.rows += len(next(iter(block.values())))

    def table(self, schema: pa.Schema) -> pa.Table:
        """The buffered rows as one Arrow table in one chunk (one insert block)."""
        parts = list(self.arrow)
        if self.columns:
            parts.append(pa.RecordBatch.from_pydict(self.columns, schema=schema))
        return pa.Table.from_batches(parts, schema=schema).combine_chunks()


def batch_token(batches: Sequence[Batch], sink: str, topic_id: str) -> str:
    """The deduplication token of one insert of ``batches`` (each partition's
    offset range); a digest of them when that would not fit a token."""
    if len(batches) == 1:
        return batches[0].token(sink, topic_id)
    ranges = "+".join(f"{b.partition}:{b.first}-{b.last}" for b in batches)
    token = f"{sink}:{topic_id}:{ranges}"
    if len(token) <= 200:
        return token
    return f"{sink}:{topic_id}:" + hashlib.sha256(ranges.encode()).hexdigest()


class BatchingSink:
    """Buffer columns per partition; a partition is due when full or old enough."""

    def __init__(
        self,
        max_rows: int,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_rows = max_rows
        self.max_age_s = max_age_s
        self.clock = clock
        self._open: dict[int, Batch] = {}

    def add(self, partition: int, offset: int, block: Block | None) -> None:
        """Buffer the columns one record produced (None: nothing) at ``offset``."""
        batch = self._open.get(partition)
        if batch is None:
            batch = Batch(partition, offset, offset, opened_at=self.clock())
            self._open[partition] = batch
        batch.last = offset
        if block is not None:
            batch.extend(block)

    def due(self, force: bool = False) -> list[int]:
        """Partitions whose batch should be written now."""
        now = self.clock()
        return [
            p
            for p, b in self._open.items()
            if force or b.rows >= self.max_rows or now - b.opened_at >= self.max_age_s
        ]

    def take(self, partition: int) -> Batch | None:
        """Remove and return a partition's open batch."""
        return self._open.pop(partition, None)

    def drop(self, partitions: Sequence[int]) -> None:
        """Forget buffered rows of partitions this consumer no longer owns."""
        for partition in partitions:
            self._open.pop(partition, None)

    @property
    def buffered_rows(self) -> int:
        """Rows waiting in every open batch."""
        return sum(b.rows for b in self._open.values())
