"""The measurement batch's Avro body, written and read a column at once.

The bytes are exactly fastavro's for the registered ``measurement_batch.v2``
schema (stock consumers decode the topic with it); the tests hold the two side
by side. The v1 body is the same up to ``qualities``, so its binding ids can be
read here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from schemas import SchemaError
from schemas.avro_columns import (
    Doubles,
    Longs,
    Reader,
    double_array,
    long_array,
    long_bytes,
    string_array,
    string_bytes,
)
from schemas.catalogue import by_version
from schemas.topics import MEASUREMENTS_TOPIC

V1_FILE = "measurement_batch.v1.avsc"
V2_FILE = "measurement_batch.v2.avsc"
# Each numpy call costs microseconds however short its column, so on a few points
# fastavro's per-item loop (in C) is quicker; it writes and reads the same bytes.
# Crossovers measured with bench/bench_codec.py (about 150 points to encode,
# 70 to decode into columns; 36-byte binding ids make a point about 57 bytes).
MIN_POINTS_TO_ENCODE = 192
MIN_BYTES_TO_DECODE = 4 << 10
MIN_BYTES_TO_PEEK = 1 << 10


def _source_symbols() -> tuple[str, ...]:
    fields = by_version(MEASUREMENTS_TOPIC, 2).parsed["fields"]
    source = next(f for f in fields if f["name"] == "source")
    return tuple(source["type"]["symbols"])


SOURCES = _source_symbols()


@dataclass(frozen=True)
class PointColumns:
    """A batch's measurements column-wise: Arrow strings, numpy numbers."""

    binding_ids: Any  # pa.StringArray
    timestamps: Longs  # UTC microseconds
    kinds: Longs
    numbers: Doubles
    texts: Any  # pa.StringArray
    qualities: Longs

    def __len__(self) -> int:
        return int(self.timestamps.size)

    @classmethod
    def from_lists(
        cls,
        binding_ids: Sequence[str],
        timestamps: Sequence[int],
        kinds: Sequence[int],
        numbers: Sequence[float],
        texts: Sequence[str],
        qualities: Sequence[int],
    ) -> PointColumns:
        """Columns from per-measurement lists (the shape the slow paths build)."""
        try:
            return cls(
                pa.array(binding_ids, pa.string()),
                np.asarray(timestamps, dtype=np.int64),
                np.asarray(kinds, dtype=np.int64),
                np.asarray(numbers, dtype=np.float64),
                pa.array(texts, pa.string()),
                np.asarray(qualities, dtype=np.int64),
            )
        except (TypeError, ValueError, OverflowError, pa.ArrowException) as ex:
            raise SchemaError(
                f"measurement columns do not fit the schema: {ex}"
            ) from ex


@dataclass(frozen=True)
class BatchHeader:
    """The per-batch fields of a measurement batch, as the wire holds them."""

    batch_id: str
    org_id: str
    device_id: str
    hardware_id: str
    received_at: int  # UTC microseconds
    idempotency_key: str | None
    source: str  # a symbol of SOURCES


def encode_body(header: BatchHeader, points: PointColumns) -> bytes:
    """The Avro body of a v2 batch (no Confluent framing)."""
    if header.source not in SOURCES:
        raise SchemaError(f"unknown batch source {header.source!r}")
    key = header.idempotency_key
    return b"".join(
        (
            string_bytes(header.batch_id),
            string_bytes(header.org_id),
            string_bytes(header.device_id),
            string_bytes(header.hardware_id),
            long_bytes(header.received_at),
            b"\x00" if key is None else b"\x02" + string_bytes(key),
            string_array(points.binding_ids),
            long_array(points.timestamps),
            long_array(points.kinds),
            double_array(points.numbers),
            string_array(points.texts),
            long_array(points.qualities),
            long_bytes(SOURCES.index(header.source)),
        )
    )


def record_of(header: BatchHeader, points: PointColumns) -> dict[str, Any]:
    """The batch as the plain record fastavro writes."""
    return {
        "batch_id": header.batch_id,
        "org_id": header.org_id,
        "device_id": header.device_id,
        "hardware_id": header.hardware_id,
        "received_at": header.received_at,
        "idempotency_key": header.idempotency_key,
        "binding_ids": points.binding_ids.to_pylist(),
        "timestamps": points.timestamps.tolist(),
        "kinds": points.kinds.tolist(),
        "numbers": points.numbers.tolist(),
        "texts": points.texts.to_pylist(),
        "qualities": points.qualities.tolist(),
        "source": header.source,
    }


def decode_body(body: bytes) -> tuple[BatchHeader, PointColumns] | None:
    """Read a v2 body; None when a string column mixes lengths (read it by item)."""
    reader = Reader(body)
    fields = _header_fields(reader)
    binding_ids = reader.strings()
    if binding_ids is None:
        return None
    timestamps, kinds, numbers = reader.longs(), reader.longs(), reader.doubles()
    texts = reader.strings()
    if texts is None:
        return None
    qualities = reader.longs()
    index = reader.long()
    if not 0 <= index < len(SOURCES):
        raise SchemaError(f"batch source index {index} out of range")
    header = BatchHeader(*fields, SOURCES[index])
    return header, PointColumns(
        binding_ids, timestamps, kinds, numbers, texts, qualities
    )


def read_binding_ids(body: bytes) -> Any:
    """A v1 or v2 body's binding-id column alone, or None when its ids differ in
    length (then decode the whole batch)."""
    reader = Reader(body)
    _header_fields(reader)
    return reader.strings()


def _header_fields(reader: Reader) -> tuple[str, str, str, str, int, str | None]:
    batch_id, org_id = reader.string(), reader.string()
    device_id, hardware_id = reader.string(), reader.string()
    received_at = reader.long()
    branch = reader.long()
    if branch not in (0, 1):
        raise SchemaError(f"idempotency_key branch {branch} out of range")
    key = reader.string() if branch == 1 else None
    return batch_id, org_id, device_id, hardware_id, received_at, key
