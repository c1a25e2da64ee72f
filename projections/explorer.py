"""Plan and assemble explorer queries: time parsing, bucket sizing, source choice and
null alignment on one shared axis (pure: no I/O)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.isotime import iso_from_micros, parse_iso, to_micros
from projections import ProjectionError

SECOND = 1_000_000  # microseconds
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
RELATIVE = re.compile(r"^-(\d+)(s|m|h|d|w)$")
UNITS = {"s": SECOND, "m": MINUTE, "h": HOUR, "d": 24 * HOUR, "w": 7 * 24 * HOUR}
# What ClickHouse's DateTime64 holds; outside it a time cannot be stored nor, past
# years 1-9999, even written back as ISO-8601.
EARLIEST = to_micros(datetime(1900, 1, 1, tzinfo=UTC))
LATEST = to_micros(datetime(2300, 1, 1, tzinfo=UTC))  # exclusive
OUT_OF_RANGE = "must be between 1900-01-01 and 2299-12-31 (UTC)"


class BadQuery(ProjectionError):
    """A parameter that cannot be used; names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def parse_time(raw: str, now_us: int, parameter: str) -> int:
    """ISO-8601, ``now`` or a relative ``-15m``/``-1h``/``-7d``/``-2w`` as UTC µs,
    between 1900 and 2299 (what storage holds)."""
    moment = _moment(raw.strip(), now_us, parameter)
    if not EARLIEST <= moment < LATEST:
        raise BadQuery(parameter, OUT_OF_RANGE)
    return moment


def _moment(text: str, now_us: int, parameter: str) -> int:
    if text == "now":
        return now_us
    match = RELATIVE.match(text)
    if match:
        count = match.group(1)
        if len(count) > 12:  # past any bound, and int() refuses 4300+ digits
            raise BadQuery(parameter, OUT_OF_RANGE)
        return now_us - int(count) * UNITS[match.group(2)]
    try:  # a "+" of an offset arrives as a space when not URL-encoded
        moment = parse_iso(text.replace(" ", "+"))
    except ValueError as ex:
        raise BadQuery(parameter, "use ISO-8601 or a relative time such as -1h") from ex
    return to_micros(moment)


@dataclass(frozen=True)
class Plan:
    """Where to read and how to bucket: bucket ``i`` starts at origin + i*bucket."""

    source: str  # "raw", "1m" or "1h"
    origin: int
    bucket: int
    buckets: int
    start: int
    end: int


ROLLUPS = (("1h", HOUR), ("1m", MINUTE))
RAW_MAX = 6 * HOUR


def plan(start: int, end: int, max_points: int, raw_max: int = RAW_MAX) -> Plan:
    """At most ``max_points`` buckets over [start, end).

    Ranges up to ``raw_max`` read raw rows (exact, last write wins per timestamp);
    longer ones read the coarsest rollup no wider than a bucket, aligned to it.
    """
    if end <= start:
        raise BadQuery("start", "must be before end")
    width = max(1, math.ceil((end - start) / max_points))
    if end - start > raw_max:
        for source, grain in ROLLUPS:
            if width >= grain:
                return _aligned(source, grain, start, end, width, max_points)
    return Plan("raw", start, width, math.ceil((end - start) / width), start, end)


def _aligned(
    source: str, grain: int, start: int, end: int, width: int, limit: int
) -> Plan:
    origin = start - start % grain
    bucket = math.ceil(width / grain) * grain
    while math.ceil((end - origin) / bucket) > limit:
        bucket += grain
    return Plan(source, origin, bucket, math.ceil((end - origin) / bucket), start, end)


def assemble(
    p: Plan, series: Sequence[str], rows: Iterable[tuple[str, int, float | None]]
) -> tuple[list[str], dict[str, list[float | None]]]:
    """One shared axis (buckets where any series has data) and each series' values
    on it, ``None`` where that series has no point in the bucket (or an average
    that is not a finite number)."""
    cells: dict[tuple[str, int], float | None] = {}
    used: set[int] = set()
    for series_id, index, value in rows:
        cells[(series_id, index)] = value
        used.add(index)
    axis = sorted(used)
    values = {s: [cells.get((s, i)) for i in axis] for s in series}
    return [iso_from_micros(p.origin + i * p.bucket) for i in axis], values
