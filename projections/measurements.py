"""Project ``vigil.measurements.v1`` batches into the raw measurements table (the
rollups and the latest-value table follow by materialized views)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from projections.sink import MICROS, POSITION
from schemas.codec import decode_or_skip
from schemas.events import decode_batch
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
    ) -> dict[str, list[Any]] | None:
        """The batch's columns, with its source position on every row."""
        batch = decode_or_skip(decode_batch, value, offset, "measurement batch")
        if batch is None:
            return None
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


class DerivedProjection(MeasurementsProjection):
    """Prism's derived points, into the same table (field id as binding id)."""

    name = "derived"
    topic = DERIVED_TOPIC
