"""Encode and decode Avro in the Confluent wire format: magic 0, schema id, body."""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import fastavro

from schemas import SchemaError
from schemas.catalogue import SchemaEntry, by_id

_HEADER = struct.Struct(">bI")
MAGIC = 0
T = TypeVar("T")
log = logging.getLogger(__name__)


@cache
def _parsed(schema_id: int) -> Any:
    return fastavro.parse_schema(by_id(schema_id).parsed)


def frame(entry: SchemaEntry) -> bytes:
    """The Confluent header of a message written with ``entry``'s schema."""
    return _HEADER.pack(MAGIC, entry.schema_id)


def split(data: bytes) -> tuple[int, bytes]:
    """The schema id and the Avro body of a Confluent-framed message."""
    if len(data) < _HEADER.size:
        raise SchemaError("message shorter than the Confluent header")
    magic, schema_id = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise SchemaError(f"unknown magic byte {magic}")
    return schema_id, data[_HEADER.size :]


def encode(entry: SchemaEntry, record: dict[str, Any]) -> bytes:
    """Serialize ``record`` with ``entry``'s schema, framed for Confluent consumers."""
    buf = io.BytesIO()
    buf.write(frame(entry))
    try:
        fastavro.schemaless_writer(buf, _parsed(entry.schema_id), record)
    except (ValueError, TypeError, KeyError) as ex:
        raise SchemaError(f"record does not fit schema {entry.schema_id}: {ex}") from ex
    return buf.getvalue()


def decode(data: bytes) -> tuple[int, dict[str, Any]]:
    """Return (schema id, record) of a Confluent-framed Avro message."""
    schema_id, body_bytes = split(data)
    try:
        body = io.BytesIO(body_bytes)
        record = fastavro.schemaless_reader(body, _parsed(schema_id), None)
    except (EOFError, ValueError, IndexError) as ex:
        raise SchemaError(f"cannot decode body with schema {schema_id}: {ex}") from ex
    return schema_id, record  # type: ignore[return-value]


def decode_or_skip(
    decode: Callable[[bytes], T], value: bytes | None, offset: int, what: str
) -> T | None:
    """The decoded record, or None (logged) for a tombstone or undecodable bytes:
    one bad record must not stop a projection."""
    if value is None:
        return None
    try:
        return decode(value)
    except SchemaError:
        log.exception("skipping undecodable %s at offset %s", what, offset)
        return None
