from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest

from domain.entity import EntityChanged, EntityType
from domain.states import Device
from schemas import SchemaError, codec
from schemas.catalogue import CATALOGUE, by_id, latest_for
from schemas.events import (
    decode_batch,
    decode_entity,
    decode_entity_envelope,
    encode_entity,
)
from schemas.topics import ENTITIES_TOPIC

AT = datetime(2026, 4, 13, tzinfo=UTC)


def _event() -> EntityChanged:
    return EntityChanged(
        EntityType.DEVICE,
        "d1",
        "org1",
        3,
        "updated",
        Device(created_at="t", hardware_id="SIM-001", display_name="Pump 1"),
        datetime(2026, 4, 13, 12, 0, tzinfo=UTC),
        ("device.hw:org1:SIM-001",),
        "user-1",
        "event-1",
    )


def test_entity_event_round_trips() -> None:
    event = _event()
    assert decode_entity(encode_entity(event)) == event


def test_wire_format_is_confluent_framed() -> None:
    data = encode_entity(_event())
    magic, schema_id = struct.unpack(">bI", data[:5])
    assert magic == 0
    assert schema_id == latest_for(ENTITIES_TOPIC).schema_id


def test_deleted_event_carries_no_state() -> None:
    event = EntityChanged(EntityType.SITE, "s1", "o", 2, "deleted", None, AT)
    assert decode_entity(encode_entity(event)).state is None


def test_entity_state_that_does_not_fit_its_type_is_refused() -> None:
    record = {
        "event_id": "e1",
        "entity_type": "device",
        "entity_id": "d1",
        "org_id": "o",
        "version": 1,
        "change": "created",
        "state": '{"display_name": 5}',
        "unique_keys": [],
        "occurred_at": datetime(2026, 4, 13, tzinfo=UTC),
        "actor": None,
    }
    data = codec.encode(latest_for("vigil.entities.v1"), record)
    with pytest.raises(SchemaError, match="entity event e1"):
        decode_entity(data)
    unknown = codec.encode(
        latest_for("vigil.entities.v1"), {**record, "entity_type": "spaceship"}
    )
    with pytest.raises(SchemaError):
        decode_entity(unknown)


def test_bad_magic_byte_is_refused() -> None:
    data = bytearray(encode_entity(_event()))
    data[0] = 7
    with pytest.raises(SchemaError, match="magic"):
        codec.decode(bytes(data))


def test_unknown_schema_id_is_refused() -> None:
    with pytest.raises(SchemaError, match="unknown schema id"):
        codec.decode(struct.pack(">bI", 0, 999_999) + b"\x00")


def test_truncated_body_is_refused() -> None:
    with pytest.raises(SchemaError):
        codec.decode(encode_entity(_event())[:9])


def test_schema_ids_are_unique_and_stable() -> None:
    ids = [e.schema_id for e in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert by_id(1).subject == f"{ENTITIES_TOPIC}-value"
    assert by_id(1).parsed["name"] == "EntityChanged"


def test_undecodable_records_are_skipped_not_fatal() -> None:
    assert codec.decode_or_skip(decode_batch, None, 3, "batch") is None
    assert codec.decode_or_skip(decode_batch, b"\x07junk", 4, "batch") is None
    assert codec.decode_or_skip(lambda b: b.decode(), b"ok", 5, "text") == "ok"


def test_envelope_reads_events_whose_state_this_build_cannot_type() -> None:
    record = {
        "event_id": "e9",
        "entity_type": "dashboard",  # a type a later build adds
        "entity_id": "x1",
        "org_id": "o",
        "version": 1,
        "change": "created",
        "state": '{"panels": []}',
        "unique_keys": [],
        "occurred_at": datetime(2026, 4, 13, tzinfo=UTC),
        "actor": None,
    }
    data = codec.encode(latest_for("vigil.entities.v1"), record)
    envelope = decode_entity_envelope(data)
    assert (envelope.event_id, envelope.entity_type, envelope.version) == (
        "e9",
        "dashboard",
        1,
    )
