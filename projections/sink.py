"""Batching sink buffers: rows per partition, flushed as one insert per offset range.

Pure bookkeeping (no I/O): the projector feeds records in and asks what is due.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Batch:
    """Rows buffered from one partition, covering offsets ``first`` to ``last``."""

    partition: int
    first: int
    last: int
    rows: list[Sequence[Any]] = field(default_factory=list)
    opened_at: float = 0.0

    def token(self, sink: str, topic_id: str) -> str:
        """The deduplication token of this (topic, partition, offset range)."""
        return f"{sink}:{topic_id}:{self.partition}:{self.first}-{self.last}"


class BatchingSink:
    """Buffer rows per partition; a partition is due when full or old enough."""

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

    def add(self, partition: int, offset: int, rows: Sequence[Sequence[Any]]) -> None:
        """Buffer the rows one record produced (possibly none) at ``offset``."""
        batch = self._open.get(partition)
        if batch is None:
            batch = Batch(partition, offset, offset, opened_at=self.clock())
            self._open[partition] = batch
        batch.last = offset
        batch.rows.extend(rows)

    def due(self, force: bool = False) -> list[int]:
        """Partitions whose batch should be written now."""
        now = self.clock()
        return [
            p
            for p, b in self._open.items()
            if force
            or len(b.rows) >= self.max_rows
            or now - b.opened_at >= self.max_age_s
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
        return sum(len(b.rows) for b in self._open.values())
