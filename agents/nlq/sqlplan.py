"""Write the SQL of an understood question over the NLQ views (pure).

Aggregates read raw ``measurements`` (exact); trends read ``rollup_1m`` (windows up
to 3 hours), ``rollup_1h`` (hourly points, up to about 200 per answer) or days of
``rollup_1h``; current values read ``latest``; alert counts read ``alerts``. Every
answer is grouped by quantity and unit (a quantity recorded in two units is two
rows, never averaged together) and by device or site when the question names or
compares them. Times are UTC literals computed from the clock in the context.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from agents.nlq.planner import Question
from agents.nlq.timewords import Window

COLUMNS = {
    "average": ("avg(value)", "sum(sum) / sum(count)"),
    "peak": ("max(value)", "max(max)"),
    "minimum": ("min(value)", "min(min)"),
    "total": ("sum(value)", "sum(sum)"),
    "readings": ("count()", "sum(count)"),
}
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
POINTS = 200  # most points of a trend answer, over all its series


def to_sql(q: Question) -> str:
    """The SELECT answering ``q``."""
    if q.intent == "alerts":
        return _alerts(q)
    if q.intent == "latest":
        return _latest(q)
    if q.intent == "trend":
        return _trend(q)
    return _aggregate(q)


def quote(text: str) -> str:
    """A ClickHouse string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(quote(v) for v in values)})"


def _moment(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return f"toDateTime64('{text}', 6, 'UTC')"


def _labels(q: Question) -> list[str]:
    """Label columns: device and site when named or compared, then quantity and
    unit (a count of readings has no unit: counts of any unit add up)."""
    labels = []
    if q.group == "site" or (q.sites and not q.devices):
        labels.append("site")
    if q.group == "device" or q.devices:
        labels.append("device")
    return labels + (
        ["quantity"] if q.aggregates == ("readings",) else ["quantity", "unit"]
    )


def _filters(
    q: Question,
    time_column: str,
    window: Window | None,
    quantity: tuple[str, tuple[str, ...]] | None = None,
) -> list[str]:
    """Filters on quantity (slugs, or ``quantity``'s column and values), devices,
    sites and the window."""
    filters = []
    if quantity is None and q.quantities:
        quantity = ("quantity_slug", tuple(x.slug for x in q.quantities))
    if quantity is not None:
        filters.append(_in(*quantity))
    if q.devices:
        filters.append(_in("device", q.devices))
    if q.sites:
        filters.append(_in("site", q.sites))
    if window is not None:
        filters.append(f"{time_column} >= {_moment(window.start)}")
        filters.append(f"{time_column} < {_moment(window.end)}")
    return filters


def _where(filters: list[str]) -> str:
    return f" WHERE {' AND '.join(filters)}" if filters else ""


def _aggregate(q: Question) -> str:
    labels = _labels(q)
    values = [f"{COLUMNS[a][0]} AS {a}" for a in q.aggregates]
    keys = ", ".join(labels)
    return (
        f"SELECT {', '.join(labels + values)} FROM measurements"
        f"{_where(_filters(q, 'ts', q.window))} GROUP BY {keys} ORDER BY {keys}"
        " LIMIT 100"
    )


def grain_of(q: Question) -> tuple[str, timedelta]:
    """The rollup view and point width of a trend: ~POINTS points at most."""
    assert q.window is not None  # noqa: S101 - trends always have one
    if q.grain == "hour":
        return "rollup_1h", HOUR
    if q.grain == "day":
        return "rollup_1h", DAY
    series = max(1, len(q.devices) or 1) * max(1, len(q.quantities))
    budget = max(1, POINTS // series)
    seconds = q.window.seconds
    if seconds / MINUTE.total_seconds() <= budget:
        return "rollup_1m", MINUTE
    if seconds / HOUR.total_seconds() <= budget:
        return "rollup_1h", HOUR
    return "rollup_1h", DAY


def _trend(q: Question) -> str:
    assert q.window is not None  # noqa: S101 - trends always have one
    view, width = grain_of(q)
    start = _floor(q.window.start, width)
    window = Window(start, q.window.end, q.window.label)
    point = "bucket" if width != DAY else "toStartOfDay(bucket) AS day"
    key = "bucket" if width != DAY else "day"
    labels = _labels(q)
    aggregate = q.aggregates[0]
    value = f"{COLUMNS[aggregate][1]} AS {aggregate}"
    keys = ", ".join([key, *labels])
    return (
        f"SELECT {', '.join([point, *labels, value])} FROM {view}"
        f"{_where(_filters(q, 'bucket', window))} GROUP BY {keys} ORDER BY {keys}"
    )


def _floor(moment: datetime, width: timedelta) -> datetime:
    if width == MINUTE:
        return moment.replace(second=0, microsecond=0)
    if width == HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _latest(q: Question) -> str:
    labels = ["device", "quantity", "unit"]
    keys = ", ".join(labels)
    return (
        f"SELECT {keys}, value, ts FROM latest{_where(_filters(q, 'ts', None))}"
        f" ORDER BY {keys} LIMIT 100"
    )


def _alerts(q: Question) -> str:
    names = tuple(sorted({x.name for x in q.quantities}))
    quantity = ("quantity", names) if names else None
    filters = _filters(q, "triggered_at", q.window, quantity)
    for column in ("severity", "status"):
        value = getattr(q, column)
        if value:
            filters.append(f"{column} = {quote(value)}")
    group = "site" if q.group == "site" else "device" if q.group else None
    if group:
        return (
            f"SELECT {group}, count() AS alerts FROM alerts{_where(filters)}"
            f" GROUP BY {group} ORDER BY alerts DESC, {group} LIMIT 100"
        )
    return f"SELECT count() AS alerts FROM alerts{_where(filters)}"
