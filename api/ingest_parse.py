"""Validate an ingest request's measurements into a column-wise batch (pure)."""

from __future__ import annotations

import math
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from api.validation import MAX_DEPTH, nests_deeper
from domain.isotime import from_micros, parse_iso, to_micros
from schemas.batch_codec import BatchHeader
from schemas.events import NUMBER, OBJECT, TEXT, BatchSource, MeasurementBatch

MAX_FUTURE = timedelta(minutes=10)
OLDEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_TEXT = 4096
MAX_OBJECT = 16_384


@dataclass
class Columns:
    """Accepted measurements column-wise, and the rejected ones by index."""

    binding_ids: list[str] = field(default_factory=list)
    timestamps: list[int] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    qualities: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """How many measurements passed."""
        return len(self.binding_ids)

    def batch(self, header: BatchHeader) -> MeasurementBatch:
        """The accepted measurements as a batch with ``header``'s fields."""
        return MeasurementBatch(
            header.org_id,
            header.device_id,
            header.hardware_id,
            self.binding_ids,
            self.timestamps,
            self.kinds,
            self.numbers,
            self.texts,
            self.qualities,
            received_at=from_micros(header.received_at),
            idempotency_key=header.idempotency_key,
            batch_id=header.batch_id,
            source=BatchSource(header.source),
        )


class Rejected(Exception):  # noqa: N818 - a verdict, caught right here
    """One measurement is invalid."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def parse_timestamp(raw: Any, now: datetime) -> int:
    """An ISO-8601 time as UTC microseconds (no zone: taken as UTC)."""
    if not isinstance(raw, str):
        raise Rejected("timestamp", "must be an ISO-8601 string")
    try:
        moment = parse_iso(raw)
    except ValueError as ex:
        raise Rejected("timestamp", f"not an ISO-8601 time: {raw[:40]!r}") from ex
    if moment > now + MAX_FUTURE:
        raise Rejected("timestamp", "more than 10 minutes in the future")
    if moment < OLDEST:
        raise Rejected("timestamp", "before 2000-01-01")
    return to_micros(moment)


def _value(raw: Any) -> tuple[int, float, str]:
    if isinstance(raw, bool) or raw is None:
        raise Rejected("value", "must be a number, a string or an object")
    if isinstance(raw, int | float):
        number = float(raw)
        if not math.isfinite(number):
            raise Rejected("value", "must be finite")
        return NUMBER, number, ""
    if isinstance(raw, str):
        if len(raw) > MAX_TEXT:
            raise Rejected("value", f"strings may have at most {MAX_TEXT} characters")
        return TEXT, 0.0, raw
    if isinstance(raw, dict):
        if nests_deeper(raw, MAX_DEPTH):  # and orjson writes at most 254 levels
            raise Rejected("value", f"objects may nest at most {MAX_DEPTH} levels")
        text = orjson.dumps(raw).decode()
        if len(text) > MAX_OBJECT:
            raise Rejected("value", f"objects may take at most {MAX_OBJECT} bytes")
        return OBJECT, 0.0, text
    raise Rejected("value", "must be a number, a string or an object")


def _quality(raw: Any) -> int:
    if raw is None:
        return 0
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 255:
        raise Rejected("quality", "must be an integer from 0 to 255")
    return raw


def validate(
    measurements: list[Any], active_bindings: Container[str], now: datetime
) -> Columns:
    """Check each measurement; valid ones become columns, the rest errors by index."""
    out = Columns()
    received = to_micros(now)
    for index, m in enumerate(measurements):
        try:
            if not isinstance(m, dict):
                raise Rejected("measurement", "must be an object")
            binding_id = m.get("binding_id")
            if not isinstance(binding_id, str):
                raise Rejected("binding_id", "is required")
            if binding_id not in active_bindings:
                raise Rejected("binding_id", "not an active binding of this device")
            kind, number, text = _value(m.get("value"))
            raw_ts = m.get("timestamp")
            ts = received if raw_ts is None else parse_timestamp(raw_ts, now)
            quality = _quality(m.get("quality"))
        except Rejected as ex:
            out.errors.append({"index": index, "field": ex.field, "error": str(ex)})
            continue
        out.binding_ids.append(binding_id)
        out.timestamps.append(ts)
        out.kinds.append(kind)
        out.numbers.append(number)
        out.texts.append(text)
        out.qualities.append(quality)
    return out
