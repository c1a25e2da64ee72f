"""When each device was last seen, and whether that counts as online."""

from __future__ import annotations

from datetime import datetime

from domain.clock import Clock, utc_now
from domain.isotime import iso, parse_iso


class Presence:
    """When each device was last seen (filled by the telemetry path)."""

    def __init__(self, online_window_s: float = 300.0, clock: Clock = utc_now) -> None:
        self.online_window_s = online_window_s
        self.clock = clock
        self.seen: dict[str, datetime] = {}

    def last_seen(self, device_id: str) -> str | None:
        """ISO time the device last reported, or None."""
        moment = self.seen.get(device_id)
        return iso(moment) if moment else None

    def merge(self, seen: dict[str, datetime]) -> None:
        """Take newer last-seen times (from the latest-value table)."""
        for device_id, moment in seen.items():
            current = self.seen.get(device_id)
            if current is None or moment > current:
                self.seen[device_id] = moment

    def is_online(self, last_seen: str | None, now: datetime | None = None) -> bool:
        """Whether a device last seen then counts as online now."""
        if last_seen is None:
            return False
        moment = parse_iso(last_seen)
        return ((now or self.clock()) - moment).total_seconds() <= self.online_window_s
