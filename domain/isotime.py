"""The one ISO-8601 wire format of Vigil: UTC, timezone-aware, ``Z`` suffix."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """``moment`` in UTC as ISO-8601 with a ``Z`` suffix."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_from_timestamp(seconds: float) -> str:
    """A Unix time in seconds as ISO-8601 with ``Z``."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def parse_iso(text: str) -> datetime:
    """Read ISO-8601 (``Z`` or an offset); a time without a zone is taken as UTC.

    Raises ``ValueError`` when the text is not ISO-8601.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
