"""The ingest fast path: a request body straight to columns, checked column-wise
(pure).

msgspec decodes the body into typed structs (in C); numpy and Arrow check and
convert whole columns. The fast path takes only bodies that certainly pass: the
first doubt (a shape msgspec refuses, a string or object value, a timestamp form
outside the common RFC 3339 subset, any failing check) gives None, and the
per-item validator of :mod:`api.ingest_parse` decides instead, with its messages.
Every form taken here is one both paths read alike (the tests hold them side by
side), so which path ran never shows.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Annotated, Any

import msgspec
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from api.ingest_parse import MAX_FUTURE, OLDEST, Columns, validate
from domain.isotime import to_micros
from schemas.avro_columns import Longs
from schemas.batch_codec import BatchHeader, PointColumns
from schemas.events import NUMBER, encode_batch, encode_columns

# What both Arrow's parser and ``datetime.fromisoformat`` read, to the same
# instant: at most 6 fraction digits (past them parsers round or truncate), an
# upper-case Z, offsets as +hh:mm. Anything else goes the per-item way.
RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
ZONED = r"(Z|[+-][0-9]{2}:[0-9]{2})$"
MICROS = pa.timestamp("us", tz="UTC")
NAIVE_MICROS = pa.timestamp("us")  # wall-clock times, read as UTC
FUTURE_US = MAX_FUTURE // timedelta(microseconds=1)
OLDEST_US = to_micros(OLDEST)


class Point(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One measurement as the fast path takes it: a numeric value."""

    binding_id: str
    value: float  # JSON integers too, as float() reads them; never a bool
    timestamp: str | None = None
    quality: Annotated[int, msgspec.Meta(ge=0, le=255)] | None = None


class IngestRequest(msgspec.Struct, forbid_unknown_fields=True):
    """An ingest body with only the fields the reference names (an unknown one
    could hold JSON that orjson refuses and msgspec would skip)."""

    hardware_id: str
    measurements: list[Point]


_DECODER = msgspec.json.Decoder(IngestRequest)
# Arrow and numpy calls cost tens of microseconds each whatever their length (the
# timestamp regex most), so below about 120 measurements the per-item path is
# quicker; bench/bench_codec.py measured the crossover at 12-16 KiB of body with
# timestamps, 8-11 KiB without.
MIN_FAST_BODY = 12 << 10


@dataclass(frozen=True)
class Submission:
    """An ingest body's measurements: fast-path :class:`Point` structs when
    ``raw`` (the body, kept for the per-item fallback) is set, else plain JSON."""

    hardware_id: str
    measurements: list[Any]
    raw: bytes | None = None


@dataclass(frozen=True)
class Verdict:
    """The measurements that passed and the others' errors; what passed is in
    arrays from the fast path, in lists from the per-item one."""

    passed: PointColumns | Columns
    errors: list[dict[str, Any]]

    @property
    def accepted(self) -> int:
        """How many measurements passed."""
        passed = self.passed
        return len(passed) if isinstance(passed, PointColumns) else passed.accepted

    def record(self, header: BatchHeader) -> bytes:
        """What passed as the Kafka record's value (the same bytes either way)."""
        passed = self.passed
        if isinstance(passed, PointColumns):
            return encode_columns(header, passed)
        return encode_batch(passed.batch(header))


def judge(
    submitted: Submission, active_bindings: AbstractSet[str], now: datetime
) -> Verdict:
    """Check every measurement: column-wise when the fast path takes them all,
    else one by one (the same verdict, with each error named)."""
    measurements = submitted.measurements
    if submitted.raw is not None:
        points = fast_columns(measurements, active_bindings, now)
        if points is not None:
            return Verdict(points, [])
        measurements = orjson.loads(submitted.raw)["measurements"]
    cols = validate(measurements, active_bindings, now)
    return Verdict(cols, cols.errors)


def fast_request(raw: bytes | None) -> IngestRequest | None:
    """The body for the fast path, or None when it is small (or cannot be)."""
    if raw is None or len(raw) < MIN_FAST_BODY:
        return None
    return decode_request(raw)


def decode_request(raw: bytes) -> IngestRequest | None:
    """The body as typed structs, or None when the fast path cannot take it."""
    try:
        # Decoded to text first, as the JSON media handler does: invalid UTF-8
        # anywhere is the handler's error to report.
        return _DECODER.decode(raw.decode())
    except (UnicodeDecodeError, msgspec.DecodeError):
        return None


def fast_columns(
    points: list[Point], active_bindings: AbstractSet[str], now: datetime
) -> PointColumns | None:
    """Columns of measurements that all pass, or None if any might not."""
    binding_ids = _column(points, "binding_id")
    if not set(binding_ids) <= active_bindings:
        return None
    numbers = np.array(_column(points, "value"), dtype=np.float64)
    if not np.isfinite(numbers).all():
        return None
    timestamps = _micros(_column(points, "timestamp"), now)
    if timestamps is None:
        return None
    # An absent quality is 0: None becomes NaN, then 0 (0-255 are exact).
    qualities = np.array(_column(points, "quality"), dtype=np.float64)
    n = len(points)
    return PointColumns(
        pa.array(binding_ids, pa.string()),
        timestamps,
        np.full(n, NUMBER, dtype=np.int64),
        numbers,
        pa.repeat(pa.scalar("", pa.string()), n),
        np.nan_to_num(qualities).astype(np.int64),
    )


def _column(points: list[Point], name: str) -> list[Any]:
    return list(map(attrgetter(name), points))


def _micros(stamps: list[str | None], now: datetime) -> Longs | None:
    """UTC microseconds of each timestamp (receive time where absent), or None if
    one is in a form left to the per-item path or outside the accepted window."""
    received = to_micros(now)
    absent = stamps.count(None)
    if absent == len(stamps):
        return np.full(len(stamps), received, dtype=np.int64)
    texts = pa.array(stamps, pa.string())
    if pc.match_substring_regex(texts, RFC3339).false_count:
        return None
    parsed = _parse(texts)
    if parsed is None:
        return None
    moments = parsed.to_numpy(zero_copy_only=False)
    micros: Longs = moments.view(np.int64)
    if absent:
        micros = np.where(np.isnat(moments), received, micros)
    if (micros > received + FUTURE_US).any() or (micros < OLDEST_US).any():
        return None
    return micros


def _parse(texts: Any) -> Any:
    """Arrow timestamps (UTC) of RFC 3339 texts, zoned or not (then UTC)."""
    for as_type in (MICROS, NAIVE_MICROS):  # every text zoned, or none
        try:
            return pc.cast(texts, as_type).cast(MICROS)
        except pa.ArrowInvalid:
            pass
    zoned = pc.if_else(
        pc.match_substring_regex(texts, ZONED),
        texts,
        pc.binary_join_element_wise(texts, "Z", ""),
    )
    try:
        return pc.cast(zoned, MICROS)
    except pa.ArrowInvalid:
        return None
