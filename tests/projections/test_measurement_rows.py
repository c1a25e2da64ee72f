"""A measurement batch becomes Arrow rows without a per-row loop, equal to the
rows built from Python lists before."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from projections.measurements import DerivedProjection, MeasurementsProjection
from schemas.events import MeasurementBatch, encode_batch, encode_derived


def batch_of(rng: random.Random, n: int, texts: bool) -> MeasurementBatch:
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(4)]
    return MeasurementBatch(
        org_id=str(uuid.uuid4()),
        device_id=str(uuid.uuid4()),
        hardware_id="SIM-001",
        binding_ids=[rng.choice(ids) for _ in range(n)],
        timestamps=[rng.randint(0, 2**60) for _ in range(n)],
        kinds=[rng.choice([0, 1, 2]) if texts else 0 for _ in range(n)],
        numbers=[rng.uniform(-1e6, 1e6) for _ in range(n)],
        texts=[rng.choice(["", "OPEN", '{"a":1}']) if texts else "" for _ in range(n)],
        qualities=[rng.randint(0, 255) for _ in range(n)],
        received_at=datetime(2026, 4, 13, tzinfo=UTC) + timedelta(microseconds=n),
    )


def list_rows(
    batch: MeasurementBatch, topic_id: str, partition: int, offset: int
) -> dict[str, list[Any]]:
    """The rows as the projection built them from Python lists."""
    n = len(batch)
    return {
        "org_id": [batch.org_id] * n,
        "device_id": [batch.device_id] * n,
        "binding_id": batch.binding_ids,
        "ts": batch.timestamps,
        "kind": batch.kinds,
        "value": batch.numbers,
        "text": batch.texts,
        "quality": batch.qualities,
        "received_at": [batch.received_at] * n,
        "topic_id": [topic_id] * n,
        "partition": [partition] * n,
        "offset": [offset] * n,
    }


@pytest.mark.parametrize(
    ("n", "texts"), [(0, False), (1, False), (300, False), (50, True)]
)
def test_rows_equal_the_rows_built_from_lists(n: int, texts: bool) -> None:
    projection = MeasurementsProjection()
    batch = batch_of(random.Random(n), n, texts)
    rows = projection.columns("T1", 3, 41, b"k", encode_batch(batch))
    expected = pa.Table.from_pydict(
        list_rows(batch, "T1", 3, 41), schema=projection.schema
    )
    assert isinstance(rows, pa.RecordBatch)
    assert pa.Table.from_batches([rows]).equals(expected)


def test_derived_points_project_the_same_way() -> None:
    projection = DerivedProjection()
    batch = batch_of(random.Random(9), 20, False)
    rows = projection.columns("T2", 0, 7, None, encode_derived(batch))
    expected = pa.Table.from_pydict(
        list_rows(batch, "T2", 0, 7), schema=projection.schema
    )
    assert pa.Table.from_batches([rows]).equals(expected)


def test_undecodable_records_are_skipped() -> None:
    projection = MeasurementsProjection()
    assert projection.columns("T1", 0, 1, None, b"\x00\x00\x00\x00\x06junk") is None
