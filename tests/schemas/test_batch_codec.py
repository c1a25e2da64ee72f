"""The column-wise measurement batch codec writes fastavro's bytes for the
registered schema, and reads them back (or leaves them to fastavro) alike."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from schemas import SchemaError, codec
from schemas.batch_codec import (
    MIN_POINTS_TO_ENCODE,
    SOURCES,
    V2_FILE,
    decode_body,
    encode_body,
)
from schemas.catalogue import by_id, by_version, latest_for
from schemas.events import (
    BatchSource,
    MeasurementBatch,
    batch_binding_ids,
    batch_record,
    decode_batch,
    decode_columns,
    encode_batch,
    encode_columns,
    encode_derived,
)
from schemas.topics import DERIVED_TOPIC, MEASUREMENTS_TOPIC

LONGS = [0, -1, 1, 2**63 - 1, -(2**63), 1_776_070_800_000_000, -86_400_000_000]
TEXTS = ["", "", "OPEN", "Grüße", "日本語", '{"x":1}', "😀" * 30, "x" * 4096]


def fastavro_bytes(batch: MeasurementBatch, topic: str = MEASUREMENTS_TOPIC) -> bytes:
    return codec.encode(latest_for(topic), batch_record(batch))


def columnar_bytes(batch: MeasurementBatch, topic: str = MEASUREMENTS_TOPIC) -> bytes:
    """The column-wise writer's bytes, whatever the batch's size."""
    return codec.frame(latest_for(topic)) + encode_body(batch.header(), batch.points())


def random_batch(rng: random.Random, n: int, one_id: bool = False) -> MeasurementBatch:
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(3)]
    return MeasurementBatch(
        org_id=rng.choice(["org1", "ü" * rng.randint(0, 70)]),
        device_id=str(uuid.UUID(int=rng.getrandbits(128))),
        hardware_id=rng.choice(["SIM-001", "prism", "Pumpe-Ä"]),
        binding_ids=[ids[0] if one_id else rng.choice([*ids, "x"]) for _ in range(n)],
        timestamps=[
            rng.choice([*LONGS, rng.randint(-(2**62), 2**62)]) for _ in range(n)
        ],
        kinds=[rng.choice([0, 1, 2]) for _ in range(n)],
        numbers=[rng.choice([rng.uniform(-1e9, 1e9), -0.0, 1e308]) for _ in range(n)],
        texts=["" if one_id else rng.choice(TEXTS) for _ in range(n)],
        qualities=[rng.randint(0, 255) for _ in range(n)],
        received_at=datetime(rng.randint(1, 9999), 1, 1, tzinfo=UTC)
        + timedelta(microseconds=rng.randint(0, 10**13)),
        idempotency_key=rng.choice([None, "", "k" * rng.randint(1, 300)]),
        batch_id=str(uuid.UUID(int=rng.getrandbits(128))),
        source=rng.choice(list(BatchSource)),
    )


@pytest.mark.parametrize("seed", range(40))
def test_batches_are_written_as_fastavro_writes_them(seed: int) -> None:
    rng = random.Random(seed)
    batch = random_batch(rng, rng.choice([0, 1, 2, 17, 500]), one_id=seed % 2 == 0)
    assert columnar_bytes(batch) == fastavro_bytes(batch)
    assert columnar_bytes(batch, DERIVED_TOPIC) == fastavro_bytes(batch, DERIVED_TOPIC)
    assert encode_batch(batch) == fastavro_bytes(batch)
    assert encode_derived(batch) == fastavro_bytes(batch, DERIVED_TOPIC)
    assert encode_columns(batch.header(), batch.points()) == fastavro_bytes(batch)


@pytest.mark.parametrize("seed", range(40))
def test_fastavro_bytes_read_back_the_same(seed: int) -> None:
    rng = random.Random(seed)
    batch = random_batch(rng, rng.choice([0, 1, 3, 200]), one_id=seed % 2 == 0)
    data = fastavro_bytes(batch)
    assert decode_batch(data) == batch
    read = decode_body(codec.split(data)[1])  # None: texts of mixed lengths
    assert read is not None or seed % 2 == 1
    assert read is None or MeasurementBatch.of(*read) == batch
    header, points = decode_columns(data)
    assert (header.batch_id, header.received_at) == (
        batch.batch_id,
        (batch.received_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(0, 0, 1),
    )
    assert points.numbers.tobytes() == np.array(batch.numbers).tobytes()
    assert points.binding_ids.to_pylist() == batch.binding_ids


def test_empty_batch_and_negative_times_round_trip() -> None:
    rng = random.Random(7)
    empty = random_batch(rng, 0)
    assert columnar_bytes(empty) == fastavro_bytes(empty)
    read = decode_body(codec.split(columnar_bytes(empty))[1])
    assert read is not None and MeasurementBatch.of(*read) == empty
    old = MeasurementBatch(
        "o", "d", "h", ["b"] * 3, [-1, -(2**63), 0], [0] * 3, [1.0] * 3, [""] * 3,
        [0] * 3, received_at=datetime(1969, 7, 20, 20, 17, tzinfo=UTC),
    )  # fmt: skip
    assert columnar_bytes(old) == fastavro_bytes(old)
    read = decode_body(codec.split(columnar_bytes(old))[1])
    assert read is not None and MeasurementBatch.of(*read) == old


def test_a_batch_of_mixed_length_texts_is_read_by_fastavro() -> None:
    batch = random_batch(random.Random(3), 50)
    _, body = codec.split(encode_batch(batch))
    assert decode_body(body) is None  # the column-wise reader declines
    assert decode_batch(encode_batch(batch)) == batch


def test_naive_received_at_is_written_as_fastavro_reads_it() -> None:
    batch = MeasurementBatch(
        "o", "d", "h", [], [], [], [], [], [],
        received_at=datetime(2026, 4, 13, 9, 0),  # noqa: DTZ001 - the point
    )  # fmt: skip
    assert encode_batch(batch) == fastavro_bytes(batch)


def test_v1_batches_still_decode_through_the_upcaster() -> None:
    batch = random_batch(random.Random(5), 20, one_id=True)
    record = batch_record(batch)
    del record["source"]
    data = codec.encode(by_version(MEASUREMENTS_TOPIC, 1), record)
    decoded = decode_batch(data)
    assert decoded.source is BatchSource.INGEST
    assert decoded.binding_ids == batch.binding_ids
    assert decode_columns(data)[1].timestamps.tolist() == batch.timestamps
    assert batch_binding_ids(data) == batch.binding_ids[:1]


def test_binding_ids_are_read_without_the_values() -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    batch = MeasurementBatch(
        "o", "d", "h", [ids[i % 3] for i in range(30)], list(range(30)), [0] * 30,
        [1.0] * 30, [""] * 30, [0] * 30,
    )  # fmt: skip
    data = encode_batch(batch)
    assert sorted(batch_binding_ids(data)) == sorted(ids)
    truncated = data[: len(data) - 100]  # cut in the numbers: never read
    assert sorted(batch_binding_ids(truncated)) == sorted(ids)
    mixed = encode_batch(random_batch(random.Random(1), 20))
    assert set(batch_binding_ids(mixed)) == set(decode_batch(mixed).binding_ids)
    with pytest.raises(SchemaError):
        batch_binding_ids(data[:12])


def test_the_layout_is_the_registered_v2_schema() -> None:
    entry = latest_for(MEASUREMENTS_TOPIC)
    assert entry.file == latest_for(DERIVED_TOPIC).file == V2_FILE
    fields = [(f["name"], f["type"]) for f in entry.parsed["fields"]]
    assert [name for name, _ in fields] == [
        "batch_id", "org_id", "device_id", "hardware_id", "received_at",
        "idempotency_key", "binding_ids", "timestamps", "kinds", "numbers",
        "texts", "qualities", "source",
    ]  # fmt: skip
    assert fields[4][1] == {"type": "long", "logicalType": "timestamp-micros"}
    assert fields[5][1] == ["null", "string"]
    items = [t["items"] for _, t in fields[6:12]]
    assert items == ["string", "long", "int", "double", "string", "int"]
    assert SOURCES == tuple(s.value for s in BatchSource)


def test_truncated_batches_are_schema_errors() -> None:
    data = encode_batch(random_batch(random.Random(2), 300, one_id=True))
    assert by_id(codec.split(data)[0]).file == V2_FILE
    for cut in (6, 40, len(data) // 2, len(data) - 1):
        with pytest.raises(SchemaError):
            decode_batch(data[:cut])
        try:  # a cut string column is left to fastavro, which then refuses
            assert decode_body(codec.split(data[:cut])[1]) is None
        except SchemaError:
            pass


def test_small_batches_take_fastavro_and_large_ones_the_columns() -> None:
    rng = random.Random(4)
    for n in (MIN_POINTS_TO_ENCODE - 1, MIN_POINTS_TO_ENCODE, 1000):
        batch = random_batch(rng, n, one_id=True)
        data = encode_batch(batch)
        assert data == fastavro_bytes(batch) == columnar_bytes(batch)
        assert decode_batch(data) == batch
