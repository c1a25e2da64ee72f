"""Read ClickHouse's JSONCompact answers into :class:`Rows` (shared by the chDB
adapter and the remote adapter that reaches chDB in another process)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson

from domain.isotime import parse_iso
from infra.clickhouse import Rows


def rows_from_json(raw: bytes) -> Rows:
    """Rows of a JSONCompact answer; DateTime columns as aware UTC datetimes."""
    if not raw:
        return Rows((), [])
    doc = orjson.loads(raw)
    meta = doc["meta"]
    converters = [_converter(m["type"]) for m in meta]
    rows = [
        tuple(conv(v) for conv, v in zip(converters, row, strict=True))
        for row in doc["data"]
    ]
    return Rows(tuple(m["name"] for m in meta), rows)


def _converter(ch_type: str) -> Any:
    inner = ch_type
    for wrapper in ("Nullable(", "LowCardinality("):
        if inner.startswith(wrapper):
            inner = inner[len(wrapper) : -1]
    if inner.startswith("SimpleAggregateFunction("):
        inner = inner.split(", ", 1)[1][:-1]
    if inner.startswith("DateTime"):
        return _parse_datetime
    return _identity


def _identity(value: Any) -> Any:
    return value


def _parse_datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    return parse_iso(value)


def json_default(value: Any) -> Any:
    """Values orjson cannot write, as ClickHouse reads them in JSONEachRow."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.decode("latin-1")
    raise TypeError(f"cannot insert {type(value).__name__}")
