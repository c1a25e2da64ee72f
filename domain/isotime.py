"""The one ISO-8601 wire format of Vigil: UTC, timezone-aware, ``Z`` suffix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """``moment`` in UTC as ISO-8601 with a ``Z`` suffix.

    Fractions appear only when there are any, and then as six digits
    (``…T09:00:00Z``, ``…T09:00:00.250000Z``).
    """
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_from_timestamp(seconds: float) -> str:
    """A Unix time in seconds as ISO-8601 with ``Z``."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def iso_from_micros(micros: int) -> str:
    """UTC microseconds since the epoch as ISO-8601 with ``Z`` (exact: no float)."""
    return iso(from_micros(micros))


def parse_iso(text: str) -> datetime:
    """Read ISO-8601 (``Z`` or an offset); a time without a zone is taken as UTC.

    An offset is kept as given (converting year-1 or year-9999 times with an
    offset to UTC could overflow); compare and subtract as usual. Raises
    ``ValueError`` when the text is not ISO-8601.
    """
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def from_micros(micros: int) -> datetime:
    """UTC microseconds since the epoch as an aware time (exact: no float)."""
    return EPOCH + timedelta(microseconds=micros)


def to_micros(moment: datetime) -> int:
    """An aware time as UTC microseconds since the epoch (exact: no float)."""
    return (moment - EPOCH) // timedelta(microseconds=1)
