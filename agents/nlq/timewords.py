"""Time phrases of the NLQ grammar, as UTC windows (pure: no I/O).

Rolling: "last hour", "past 24 hours", "last 30 minutes", "last 7 days", "past
week" (7 days), "past month" (30 days). Calendar, in UTC: "today", "yesterday",
"this week" (since Monday), "last week" (the previous Monday to Monday), "this
month", "last month", "this year", "since Monday" (the latest Monday 00:00, today
if it is Monday), "since yesterday", "since 2026-04-01", "on 2026-04-10", "between
2026-04-10 and 2026-04-12" (the second date's midnight ends it). Short forms: "last
24h", "past 7d", "last 30min", "last 2w".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "forty-eight": 48,
    "ninety": 90,
}
UNITS = {
    "minute": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
}


@dataclass(frozen=True)
class Window:
    """A time window [start, end) and how the answer names it."""

    start: datetime
    end: datetime
    label: str

    @property
    def seconds(self) -> float:
        """The window's length."""
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Found:
    """A time phrase found in a text: its window and where it was."""

    window: Window
    span: tuple[int, int]


_NUMBER = r"(\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_UNIT = r"(minutes?|mins?|hours?|hrs?|days?|weeks?|months?)"
_ROLLING = re.compile(
    rf"\b(?:in |during |over |for )?(?:the )?(?:last|past|previous) {_NUMBER} {_UNIT}\b"
)
_ONE = re.compile(
    r"\b(?:in |during |over |for )?(?:the )?(last|past|previous) "
    r"(hour|day|week|month|year)\b"
)
_NAMED = re.compile(
    r"\b(?:for |during |in |over )?(today|yesterday|this (?:week|month|year))\b"
)
_SINCE = re.compile(
    r"\bsince (" + "|".join(DAYS) + r"|yesterday|today|\d{4}-\d{2}-\d{2})\b"
)
_ON = re.compile(r"\bon (\d{4}-\d{2}-\d{2})\b")
_BETWEEN = re.compile(
    r"\b(?:between|from) (\d{4}-\d{2}-\d{2}) (?:and|to|until) (\d{4}-\d{2}-\d{2})\b"
)
_SHORT = re.compile(
    r"\b(?:in |during |over |for )?(?:the )?(?:last|past) (\d+) ?(min|h|d|w)\b"
)
SHORT_UNITS = {"min": "minute", "h": "hour", "d": "day", "w": "week"}


def find_window(text: str, now: datetime) -> Found | None:
    """The first time phrase in lower-cased ``text``, as a window ending by ``now``."""
    for pattern, build in _RULES:
        match = pattern.search(text)
        if match:
            window = build(match, now)
            if window is not None:
                return Found(window, match.span())
    return None


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _monday(now: datetime) -> datetime:
    today = _midnight(now)
    return today - timedelta(days=today.weekday())


def _rolling(match: re.Match[str], now: datetime) -> Window | None:
    raw, unit = match.group(1), match.group(2).rstrip("s")
    count = int(raw) if raw.isdigit() else NUMBERS[raw]
    if count <= 0 or count > 10_000:
        return None
    name = {"min": "minute", "hr": "hour"}.get(unit, unit)
    plural = name if count == 1 else f"{name}s"
    return Window(now - count * UNITS[unit], now, f"in the last {count} {plural}")


def _one(match: re.Match[str], now: datetime) -> Window:
    which, unit = match.group(1), match.group(2)
    if unit == "hour":
        return Window(now - timedelta(hours=1), now, "in the last hour")
    if unit == "day":
        return Window(now - timedelta(days=1), now, "in the last 24 hours")
    if which == "past":
        days = {"week": 7, "month": 30, "year": 365}[unit]
        return Window(now - timedelta(days=days), now, f"in the past {unit}")
    return _previous(unit, now)


def _previous(unit: str, now: datetime) -> Window:
    """The calendar week, month or year before the current one."""
    if unit == "week":
        end = _monday(now)
        return Window(end - timedelta(weeks=1), end, "last week")
    if unit == "month":
        end = _midnight(now).replace(day=1)
        return Window((end - timedelta(days=1)).replace(day=1), end, "last month")
    end = _midnight(now).replace(month=1, day=1)
    return Window(end.replace(year=end.year - 1), end, "last year")


def _named(match: re.Match[str], now: datetime) -> Window:
    name = match.group(1)
    today = _midnight(now)
    starts = {
        "today": today,
        "this week": _monday(now),
        "this month": today.replace(day=1),
        "this year": today.replace(month=1, day=1),
    }
    if name == "yesterday":
        return Window(today - timedelta(days=1), today, "yesterday")
    return Window(starts[name], now, name)


def _since(match: re.Match[str], now: datetime) -> Window | None:
    what = match.group(1)
    today = _midnight(now)
    if what in DAYS:
        back = (today.weekday() - DAYS.index(what)) % 7
        return Window(today - timedelta(days=back), now, f"since {what.title()}")
    if what in ("today", "yesterday"):
        start = today if what == "today" else today - timedelta(days=1)
        return Window(start, now, f"since {what}")
    day = _date(what)
    return Window(day, now, f"since {what}") if day and day < now else None


def _on(match: re.Match[str], now: datetime) -> Window | None:
    start = _date(match.group(1))
    if start is None or start >= now:
        return None
    return Window(start, min(start + timedelta(days=1), now), f"on {match.group(1)}")


def _between(match: re.Match[str], now: datetime) -> Window | None:
    start, end = _date(match.group(1)), _date(match.group(2))
    if start is None or end is None or end <= start or start >= now:
        return None
    label = f"from {match.group(1)} to {match.group(2)}"
    return Window(start, min(end, now), label)


def _short(match: re.Match[str], now: datetime) -> Window | None:
    count, unit = int(match.group(1)), SHORT_UNITS[match.group(2)]
    if count <= 0 or count > 10_000:
        return None
    plural = unit if count == 1 else f"{unit}s"
    return Window(now - count * UNITS[unit], now, f"in the last {count} {plural}")


def _date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


_RULES: tuple[
    tuple[re.Pattern[str], Callable[[re.Match[str], datetime], Window | None]], ...
] = (
    (_BETWEEN, _between),
    (_ROLLING, _rolling),
    (_SHORT, _short),
    (_ONE, _one),
    (_SINCE, _since),
    (_NAMED, _named),
    (_ON, _on),
)
