from __future__ import annotations

import pytest

from domain.isotime import iso_from_micros
from projections.explorer import (
    HOUR,
    MINUTE,
    SECOND,
    BadQuery,
    assemble,
    parse_time,
    plan,
)

NOW = 1_776_081_600 * SECOND  # 2026-04-13T12:00:00Z


def test_relative_and_iso_times() -> None:
    assert parse_time("-15m", NOW, "start") == NOW - 15 * MINUTE
    assert parse_time("-7d", NOW, "start") == NOW - 7 * 24 * HOUR
    assert parse_time("now", NOW, "end") == NOW
    assert (
        iso_from_micros(parse_time("2026-04-13T09:00:00Z", NOW, "start"))
        == "2026-04-13T09:00:00Z"
    )
    assert parse_time("2026-04-13T09:00:00", NOW, "s") == parse_time(
        "2026-04-13T09:00:00+00:00", NOW, "s"
    )


def test_bad_time_names_the_parameter() -> None:
    with pytest.raises(BadQuery) as info:
        parse_time("yesterday", NOW, "end")
    assert info.value.parameter == "end"


def test_end_before_start_is_refused() -> None:
    with pytest.raises(BadQuery, match="start"):
        plan(NOW, NOW - SECOND, 500)


def test_seven_days_at_100_points_uses_hourly_rollup_and_fits() -> None:
    p = plan(NOW - 7 * 24 * HOUR, NOW, 100)
    assert p.source == "1h"
    assert p.buckets <= 100
    assert p.bucket % HOUR == 0 and p.origin % HOUR == 0


def test_short_range_reads_raw_with_exact_buckets() -> None:
    p = plan(NOW - HOUR, NOW, 500)
    assert p.source == "raw" and p.buckets <= 500
    assert p.origin == NOW - HOUR


def test_minute_rollup_between() -> None:
    p = plan(NOW - 24 * HOUR, NOW, 500)
    assert p.source == "1m" and p.buckets <= 500 and p.bucket % MINUTE == 0


def test_short_ranges_stay_raw_even_with_wide_buckets() -> None:
    p = plan(NOW - 4 * MINUTE, NOW, 4)
    assert p.source == "raw" and p.bucket == MINUTE and p.buckets == 4


@pytest.mark.parametrize("hours", [1, 5, 24, 24 * 7, 24 * 30, 24 * 365])
@pytest.mark.parametrize("points", [1, 7, 100, 500, 10_000])
def test_never_more_buckets_than_max_points(hours: int, points: int) -> None:
    start = NOW - hours * HOUR + 17 * SECOND  # unaligned on purpose
    p = plan(start, NOW, points)
    assert 1 <= p.buckets <= points
    assert p.origin <= start and p.origin + p.buckets * p.bucket >= NOW


def test_assemble_aligns_nulls_across_series() -> None:
    p = plan(NOW - 4 * MINUTE, NOW, 4)  # 1-minute buckets
    assert p.origin == NOW - 4 * MINUTE
    rows = [("a", 0, 1.0), ("b", 1, 2.0), ("a", 2, 3.0), ("b", 2, 4.0)]
    axis, values = assemble(p, ["a", "b"], rows)
    assert len(axis) == 3
    assert values == {"a": [1.0, None, 3.0], "b": [None, 2.0, 4.0]}
    assert axis[0] == iso_from_micros(p.origin)
