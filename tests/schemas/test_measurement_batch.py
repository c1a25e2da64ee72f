"""measurement_batch.v2: the ``source`` field, its upcaster from v1, its registration."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime
from typing import Any

import fastavro
import pytest

from schemas import codec
from schemas.catalogue import CATALOGUE, by_id, by_version, latest_for
from schemas.events import (
    BatchSource,
    MeasurementBatch,
    batch_record,
    decode_batch,
    encode_batch,
    encode_derived,
)
from schemas.topics import DERIVED_TOPIC, MEASUREMENTS_TOPIC
from schemas.upcasters import STEPS, V1_BACKFILL_HARDWARE_ID


def _batch(**changes: Any) -> MeasurementBatch:
    values: dict[str, Any] = {
        "org_id": "org1",
        "device_id": "d1",
        "hardware_id": "SIM-001",
        "binding_ids": ["b1", "b2"],
        "timestamps": [1_776_070_800_000_000, 1_776_070_801_500_000],
        "kinds": [0, 1],
        "numbers": [22.5, 0.0],
        "texts": ["", "warm"],
        "qualities": [0, 200],
        "received_at": datetime(2026, 4, 13, 9, 0, tzinfo=UTC),
        "idempotency_key": "k1",
        "batch_id": "batch-1",
    }
    values.update(changes)
    return MeasurementBatch(**values)


def _v1_bytes(schema_id: int, batch: MeasurementBatch) -> bytes:
    """The batch as a v1 writer put it on the wire (no ``source``)."""
    record = {k: v for k, v in batch_record(batch).items() if k != "source"}
    return codec.encode(by_id(schema_id), record)


def _schema_id(data: bytes) -> int:
    return int(struct.unpack(">bI", data[:5])[1])


@pytest.mark.parametrize("source", list(BatchSource))
def test_v2_batch_round_trips_with_its_source(source: BatchSource) -> None:
    batch = _batch(source=source)
    assert decode_batch(encode_batch(batch)) == batch
    assert decode_batch(encode_derived(batch)) == batch


def test_new_batches_are_written_with_v2() -> None:
    assert (
        _schema_id(encode_batch(_batch())) == latest_for(MEASUREMENTS_TOPIC).schema_id
    )
    assert _schema_id(encode_derived(_batch())) == latest_for(DERIVED_TOPIC).schema_id
    assert latest_for(MEASUREMENTS_TOPIC).file == "measurement_batch.v2.avsc"


def test_a_batch_defaults_to_ingest() -> None:
    assert _batch().source is BatchSource.INGEST


def test_v1_ingest_batch_upcasts_to_source_ingest() -> None:
    batch = _batch()
    data = _v1_bytes(by_version(MEASUREMENTS_TOPIC, 1).schema_id, batch)
    assert decode_batch(data) == batch


def test_v1_backfill_marker_upcasts_to_source_backfill() -> None:
    batch = _batch(hardware_id=V1_BACKFILL_HARDWARE_ID)
    data = _v1_bytes(by_version(DERIVED_TOPIC, 1).schema_id, batch)
    decoded = decode_batch(data)
    assert decoded.source is BatchSource.BACKFILL
    assert decoded.hardware_id == V1_BACKFILL_HARDWARE_ID  # history is not rewritten


def test_v1_live_prism_batch_upcasts_to_source_prism() -> None:
    batch = _batch(hardware_id="prism")
    data = _v1_bytes(by_version(DERIVED_TOPIC, 1).schema_id, batch)
    assert decode_batch(data).source is BatchSource.PRISM


def test_v1_device_named_like_the_marker_stays_an_ingest() -> None:
    batch = _batch(hardware_id=V1_BACKFILL_HARDWARE_ID)
    data = _v1_bytes(by_version(MEASUREMENTS_TOPIC, 1).schema_id, batch)
    assert decode_batch(data).source is BatchSource.INGEST


def test_every_older_schema_version_has_an_upcaster() -> None:
    older = [e for e in CATALOGUE if e.version < latest_for(e.topic).version]
    assert older and all(e.file in STEPS for e in older)


def test_v2_is_the_next_version_of_the_same_subjects() -> None:
    for topic in (MEASUREMENTS_TOPIC, DERIVED_TOPIC):
        versions = sorted(e.version for e in CATALOGUE if e.topic == topic)
        v1, v2 = by_version(topic, 1), by_version(topic, 2)
        assert versions == [1, 2] and v1.subject == v2.subject == f"{topic}-value"
        assert v2.schema_id != v1.schema_id and v2.file == "measurement_batch.v2.avsc"


def test_v2_only_adds_a_defaulted_source_to_the_same_record() -> None:
    v1 = by_version(MEASUREMENTS_TOPIC, 1).parsed
    v2 = by_version(MEASUREMENTS_TOPIC, 2).parsed
    assert (v2["name"], v2["namespace"]) == (v1["name"], v1["namespace"])
    names = [f["name"] for f in v2["fields"]]
    assert names == [f["name"] for f in v1["fields"]] + ["source"]
    source = v2["fields"][-1]
    assert source["default"] == "ingest"
    assert source["type"]["symbols"] == [s.value for s in BatchSource]


def test_a_stock_v2_reader_resolves_v1_data_to_ingest() -> None:
    """Backward compatible: a consumer reading with v2 decodes v1 bytes."""
    data = _v1_bytes(by_version(MEASUREMENTS_TOPIC, 1).schema_id, _batch())
    writer = fastavro.parse_schema(by_version(MEASUREMENTS_TOPIC, 1).parsed)
    reader = fastavro.parse_schema(by_version(MEASUREMENTS_TOPIC, 2).parsed)
    record = fastavro.schemaless_reader(io.BytesIO(data[5:]), writer, reader)
    assert isinstance(record, dict) and record["source"] == "ingest"
