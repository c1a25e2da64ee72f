"""Project ``vigil.measurements.v1`` batches into the raw measurements table (the
rollups and the latest-value table follow by materialized views)."""

from __future__ import annotations

from typing import NamedTuple

import pyarrow as pa

from projections.sink import MICROS, POSITION
from schemas.batch_codec import BatchHeader, PointColumns
from schemas.codec import decode_or_skip
from schemas.events import decode_columns
from schemas.topics import DERIVED_TOPIC, MEASUREMENTS_TOPIC


class MeasurementsProjection:
    """One row per measurement: numbers in ``value``, strings/objects in ``text``."""

    name = "measurements"
    topic = MEASUREMENTS_TOPIC
    table = "measurements"
    schema = pa.schema(
        [
            ("org_id", pa.string()),
            ("device_id", pa.string()),
            ("binding_id", pa.string()),
            ("ts", MICROS),
            ("kind", pa.uint8()),
            ("value", pa.float64()),
            ("text", pa.string()),
            ("quality", pa.uint8()),
            ("received_at", MICROS),
            *POSITION,
        ]
    )

    def columns(
        self,
        topic_id: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
    ) -> pa.RecordBatch | None:
        """The batch's rows, with its source position on every row."""
        decoded = decode_or_skip(decode_columns, value, offset, "measurement batch")
        if decoded is None:
            return None
        header, points = decoded
        return rows(self.schema, header, points, Position(topic_id, partition, offset))


class Position(NamedTuple):
    """Where a record sits in the log."""

    topic_id: str
    partition: int
    offset: int


def rows(
    schema: pa.Schema, header: BatchHeader, points: PointColumns, at: Position
) -> pa.RecordBatch:
    """A batch as Arrow rows: its columns as they are, its constants repeated."""
    n = len(points)

    def repeat(value: object, of_type: pa.DataType) -> pa.Array:
        return pa.repeat(pa.scalar(value, of_type), n)

    columns = [
        repeat(header.org_id, pa.string()),
        repeat(header.device_id, pa.string()),
        points.binding_ids,
        pa.array(points.timestamps, MICROS),
        pa.array(points.kinds, pa.uint8()),
        pa.array(points.numbers, pa.float64()),
        points.texts,
        pa.array(points.qualities, pa.uint8()),
        repeat(header.received_at, MICROS),
        *(repeat(v, t) for v, (_, t) in zip(at, POSITION, strict=True)),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


class DerivedProjection(MeasurementsProjection):
    """Prism's derived points, into the same table (field id as binding id)."""

    name = "derived"
    topic = DERIVED_TOPIC
