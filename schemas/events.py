"""Mappers between domain events and their Avro records (and the measurement batch)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import msgspec
import pyarrow.compute as pc

from domain.entity import EntityChanged, EntityStateBase, EntityType
from domain.isotime import from_micros, to_micros
from domain.states import STATE_TYPES
from schemas import SchemaError, codec
from schemas.batch_codec import (
    MIN_BYTES_TO_DECODE,
    MIN_BYTES_TO_PEEK,
    MIN_POINTS_TO_ENCODE,
    V1_FILE,
    V2_FILE,
    BatchHeader,
    PointColumns,
    decode_body,
    encode_body,
    read_binding_ids,
    record_of,
)
from schemas.catalogue import by_id, latest_for
from schemas.topics import DERIVED_TOPIC, ENTITIES_TOPIC, MEASUREMENTS_TOPIC
from schemas.upcasters import upcast

NUMBER, TEXT, OBJECT = 0, 1, 2


def _state_json(state: EntityStateBase) -> str:
    return msgspec.json.encode(state).decode()


def _state_of(entity_type: EntityType, text: str) -> EntityStateBase:
    return msgspec.json.decode(text, type=STATE_TYPES[entity_type])


def encode_entity(event: EntityChanged) -> bytes:
    """Serialize an entity event for ``vigil.entities.v1``."""
    record = {
        "event_id": event.event_id,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "org_id": event.org_id,
        "version": event.version,
        "change": event.change,
        "state": None if event.state is None else _state_json(event.state),
        "unique_keys": list(event.unique_keys),
        "occurred_at": event.occurred_at,
        "actor": event.actor,
    }
    return codec.encode(latest_for(ENTITIES_TOPIC), record)


@dataclass(frozen=True)
class EntityEnvelope:
    """The envelope of an entity event, read without its state: what the archive
    keeps even for entity types or states this build does not know."""

    event_id: str
    entity_type: str
    entity_id: str
    org_id: str
    version: int
    change: str
    occurred_at: datetime


def decode_entity_envelope(data: bytes) -> EntityEnvelope:
    """Read an entity event's envelope (any schema version; the state is not typed)."""
    _, r = codec.decode(data)
    return EntityEnvelope(
        r["event_id"],
        r["entity_type"],
        r["entity_id"],
        r["org_id"],
        r["version"],
        r["change"],
        r["occurred_at"],
    )


def decode_entity(data: bytes) -> EntityChanged:
    """Read an entity event from its wire bytes (any published schema version)."""
    _, r = codec.decode(data)
    try:
        entity_type = EntityType(r["entity_type"])
        state = None if r["state"] is None else _state_of(entity_type, r["state"])
    except (ValueError, msgspec.ValidationError, msgspec.DecodeError) as ex:
        raise SchemaError(f"entity event {r['event_id']}: {ex}") from ex
    return EntityChanged(
        entity_type=entity_type,
        entity_id=r["entity_id"],
        org_id=r["org_id"],
        version=r["version"],
        change=r["change"],
        state=state,
        unique_keys=tuple(r["unique_keys"]),
        occurred_at=r["occurred_at"],
        actor=r["actor"],
        event_id=r["event_id"],
    )


class BatchSource(StrEnum):
    """Where a batch's points come from (the value is the Avro enum symbol)."""

    INGEST = "ingest"  # a gateway's ingest request
    PRISM = "prism"  # Prism's live derived points
    BACKFILL = "backfill"  # Prism recomputing stored history: alerts skip it


@dataclass(frozen=True)
class MeasurementBatch:
    """One accepted ingest request, column-wise (timestamps in UTC microseconds)."""

    org_id: str
    device_id: str
    hardware_id: str
    binding_ids: list[str]
    timestamps: list[int]
    kinds: list[int]
    numbers: list[float]
    texts: list[str]
    qualities: list[int]
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    idempotency_key: str | None = None
    batch_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    source: BatchSource = BatchSource.INGEST

    def __len__(self) -> int:
        return len(self.binding_ids)

    def header(self) -> BatchHeader:
        """The per-batch fields as the wire holds them."""
        return BatchHeader(
            self.batch_id,
            self.org_id,
            self.device_id,
            self.hardware_id,
            to_micros(self.received_at),
            self.idempotency_key,
            str(self.source),
        )

    def points(self) -> PointColumns:
        """The measurements column-wise."""
        return PointColumns.from_lists(
            self.binding_ids,
            self.timestamps,
            self.kinds,
            self.numbers,
            self.texts,
            self.qualities,
        )

    @classmethod
    def of(cls, header: BatchHeader, points: PointColumns) -> MeasurementBatch:
        """A batch from its wire fields and columns."""
        return cls(
            org_id=header.org_id,
            device_id=header.device_id,
            hardware_id=header.hardware_id,
            binding_ids=points.binding_ids.to_pylist(),
            timestamps=points.timestamps.tolist(),
            kinds=points.kinds.tolist(),
            numbers=points.numbers.tolist(),
            texts=points.texts.to_pylist(),
            qualities=points.qualities.tolist(),
            received_at=from_micros(header.received_at),
            idempotency_key=header.idempotency_key,
            batch_id=header.batch_id,
            source=BatchSource(header.source),
        )


def encode_columns(
    header: BatchHeader, points: PointColumns, topic: str = MEASUREMENTS_TOPIC
) -> bytes:
    """Serialize a batch given column-wise (the bytes fastavro would write)."""
    entry = latest_for(topic)
    if entry.file != V2_FILE:
        raise SchemaError(f"{topic} is not written with {V2_FILE}")
    if len(points) < MIN_POINTS_TO_ENCODE:
        return codec.encode(entry, record_of(header, points))
    return codec.frame(entry) + encode_body(header, points)


def encode_batch(batch: MeasurementBatch, topic: str = MEASUREMENTS_TOPIC) -> bytes:
    """Serialize a batch for ``vigil.measurements.v1`` (or Prism's derived topic)."""
    # A naive received_at: fastavro reads it as local time, so it writes it.
    if batch.received_at.tzinfo is None or len(batch) < MIN_POINTS_TO_ENCODE:
        return codec.encode(latest_for(topic), batch_record(batch))
    return encode_columns(batch.header(), batch.points(), topic)


def batch_record(batch: MeasurementBatch) -> dict[str, object]:
    """The batch as the plain Avro record fastavro writes (the reference layout)."""
    return {
        "batch_id": batch.batch_id,
        "org_id": batch.org_id,
        "device_id": batch.device_id,
        "hardware_id": batch.hardware_id,
        "received_at": batch.received_at,
        "idempotency_key": batch.idempotency_key,
        "binding_ids": batch.binding_ids,
        "timestamps": batch.timestamps,
        "kinds": batch.kinds,
        "numbers": batch.numbers,
        "texts": batch.texts,
        "qualities": batch.qualities,
        "source": str(batch.source),
    }


def encode_derived(batch: MeasurementBatch) -> bytes:
    """Serialize Prism's derived points for ``vigil.derived.v1``."""
    return encode_batch(batch, DERIVED_TOPIC)


def decode_columns(data: bytes) -> tuple[BatchHeader, PointColumns]:
    """Read a batch column-wise (any published schema version)."""
    decoded = _columnar(data, MIN_BYTES_TO_DECODE)
    if decoded is not None:
        return decoded
    batch = _from_record(data)
    return batch.header(), batch.points()


def decode_batch(data: bytes) -> MeasurementBatch:
    """Read a measurement batch from its wire bytes (any published schema version)."""
    # Lists are wanted: converting the columns costs more, so the bar is higher.
    decoded = _columnar(data, 2 * MIN_BYTES_TO_DECODE)
    return _from_record(data) if decoded is None else MeasurementBatch.of(*decoded)


def batch_binding_ids(data: bytes) -> list[str]:
    """The distinct binding ids of a batch, read without decoding its values when
    the layout allows (to skip batches nobody watches)."""
    schema_id, body = codec.split(data)
    ids = None
    if len(body) >= MIN_BYTES_TO_PEEK and by_id(schema_id).file in (V1_FILE, V2_FILE):
        ids = read_binding_ids(body)
    if ids is None:
        return list(dict.fromkeys(decode_batch(data).binding_ids))
    return list(pc.unique(ids).to_pylist())


def _columnar(data: bytes, min_bytes: int) -> tuple[BatchHeader, PointColumns] | None:
    schema_id, body = codec.split(data)
    if len(body) < min_bytes or by_id(schema_id).file != V2_FILE:
        return None
    return decode_body(body)


def _from_record(data: bytes) -> MeasurementBatch:
    r = upcast(*codec.decode(data))
    return MeasurementBatch(
        org_id=r["org_id"],
        device_id=r["device_id"],
        hardware_id=r["hardware_id"],
        binding_ids=r["binding_ids"],
        timestamps=r["timestamps"],
        kinds=r["kinds"],
        numbers=r["numbers"],
        texts=r["texts"],
        qualities=r["qualities"],
        received_at=r["received_at"],
        idempotency_key=r["idempotency_key"],
        batch_id=r["batch_id"],
        source=BatchSource(r["source"]),
    )
