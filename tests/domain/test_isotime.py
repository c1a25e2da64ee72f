from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.isotime import iso, iso_from_micros, iso_from_timestamp, parse_iso


def test_iso_is_utc_with_z_and_fractions_only_when_present() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert iso(datetime(2026, 4, 13, 11, 0, tzinfo=plus_two)) == "2026-04-13T09:00:00Z"
    moment = datetime(2026, 4, 13, 9, 0, 0, 250_000, tzinfo=UTC)
    assert iso(moment) == "2026-04-13T09:00:00.250000Z"


def test_micros_and_seconds_format_like_iso() -> None:
    assert iso_from_micros(1_776_070_800_000_000) == "2026-04-13T09:00:00Z"
    assert iso_from_micros(1_776_070_800_000_001) == "2026-04-13T09:00:00.000001Z"
    assert iso_from_micros(-1) == "1969-12-31T23:59:59.999999Z"
    assert iso_from_timestamp(1_776_070_800.5) == "2026-04-13T09:00:00.500000Z"


@pytest.mark.parametrize(
    "text",
    ["2026-04-13T09:00:00Z", "2026-04-13T11:00:00+02:00", "2026-04-13T09:00:00"],
)
def test_parse_iso_reads_z_offsets_and_zoneless_as_utc(text: str) -> None:
    assert parse_iso(text) == datetime(2026, 4, 13, 9, 0, tzinfo=UTC)
    assert parse_iso(text).utcoffset() is not None


def test_parse_iso_reads_what_iso_writes() -> None:
    moment = datetime(2026, 4, 13, 9, 0, 0, 1, tzinfo=UTC)
    assert parse_iso(iso(moment)) == moment
