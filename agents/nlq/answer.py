"""Say in plain English what a planned query returned, or what was not understood
(pure: the offline model's answers; a real model writes its own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.nlq.planner import Question, Understanding

NAMES = {
    "average": "average",
    "peak": "peak",
    "minimum": "minimum",
    "total": "total",
    "readings": "number of readings",
}
Row = dict[str, Any]


def number(value: Any) -> str:
    """A number as people write it: 2 decimals below 100, 1 above, no zeros."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def measure(value: Any, unit: str) -> str:
    """A number with its unit ("22.4 °C", "45%")."""
    if not unit or unit == "1":
        return number(value)
    return f"{number(value)}{'' if unit == '%' else ' '}{unit}"


def not_understood(u: Understanding) -> str:
    """What was understood of a question outside the grammar, and what was not."""
    got = ", ".join(u.understood)
    head = f"I understood: {got}. " if got else ""
    if u.problem:
        return head + u.problem
    missed = " ".join(u.unknown)
    return (
        f"{head}I could not understand “{missed}”, so I did not run a query. "
        "I answer questions such as “What was the average temperature of Pump 1 "
        "in the last hour?”, “Peak vibration on Pump 1 this month”, “Compare CO2 of "
        "Room A and Room B today” or “How many critical alerts last week?”."
    )


def describe(q: Question, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The answer to ``q`` from the rows its query returned."""
    records = [dict(zip(columns, row, strict=False)) for row in rows]
    if q.intent == "alerts":
        return _alerts(q, records)
    if not records:
        return f"There is no {q.quantity_label} data{_scope(q)}{_when(q)}."
    if q.intent == "latest":
        return _latest(q, records)
    if q.intent == "trend":
        return _trend(q, columns, records)
    return _aggregate(q, records)


def _scope(q: Question) -> str:
    if q.devices:
        return f" for {_and(q.devices)}"
    if q.sites:
        return f" at {_and(q.sites)}"
    return ""


def _of(q: Question) -> str:
    if q.devices:
        return f" of {_and(q.devices)}"
    if q.sites:
        return f" at {_and(q.sites)}"
    return " across all devices"


def _when(q: Question) -> str:
    return f" {q.window.label}" if q.window else ""


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _label(q: Question, r: Row, with_quantity: bool) -> str:
    parts = [str(r[c]) for c in ("site", "device") if r.get(c)]
    if with_quantity or not parts:
        parts.append(str(r.get("quantity", q.quantity_label)))
    return " ".join(parts)


def _aggregate(q: Question, records: list[Row]) -> str:
    if len(records) == 1:
        r = records[0]
        if q.aggregates == ("readings",):
            what = f"{number(r['readings'])} {q.quantity_label} readings"
            return f"There were {what}{_scope(q)}{_when(q)}."
        if len(q.aggregates) == 1:
            a = q.aggregates[0]
            head = f"The {NAMES[a]} {q.quantity_label}{_of(q)}{_when(q)} was"
            return f"{head} {measure(r[a], r['unit'])}."
        return f"The {q.quantity_label}{_of(q)}{_when(q)}: {_values(q, r)}."
    many = len({r.get("quantity") for r in records}) > 1
    parts = [f"{_label(q, r, many)} {_values(q, r)}" for r in records]
    if len(q.aggregates) == 1:
        head = f"The {NAMES[q.aggregates[0]]} {q.quantity_label}"
    else:
        head = f"The {q.quantity_label}"
    return f"{head}{_when(q)}: {'; '.join(parts)}."


def _values(q: Question, r: Row) -> str:
    if len(q.aggregates) == 1:
        a = q.aggregates[0]
        return measure(r[a], "" if a == "readings" else r["unit"])
    return ", ".join(
        f"{NAMES[a]} {measure(r[a], '' if a == 'readings' else r['unit'])}"
        for a in q.aggregates
    )


def _trend(q: Question, columns: Sequence[str], records: list[Row]) -> str:
    time = columns[0]
    series: dict[str, list[Row]] = {}
    many = len({r.get("quantity") for r in records}) > 1
    for r in records:
        series.setdefault(_label(q, r, many), []).append(r)
    a = q.aggregates[0]
    head = f"The {NAMES[a]} {q.quantity_label}{_of(q)}{_when(q)}"
    if len(series) == 1:
        return f"{head}: {_series(next(iter(series.values())), a, time)}."
    parts = [f"{name}: {_series(rows, a, time)}" for name, rows in series.items()]
    return f"{head}. {'; '.join(parts)}."


def _series(rows: list[Row], a: str, time: str) -> str:
    values = [float(r[a]) for r in rows if r.get(a) is not None]
    unit = "" if a == "readings" else str(rows[0].get("unit", ""))
    if not values:
        return "no data"
    first, last = values[0], values[-1]
    spread = max(values) - min(values)
    change = "steady" if abs(last - first) <= 0.05 * spread else "rising"
    if last < first and change != "steady":
        change = "falling"
    grain = {"bucket": "", "day": "daily "}.get(time, "")
    return (
        f"{len(values)} {grain}points from {rows[0][time]} to {rows[-1][time]}, "
        f"between {measure(min(values), unit)} and {measure(max(values), unit)}, "
        f"{change} from {measure(first, unit)} to {measure(last, unit)}"
    )


def _latest(q: Question, records: list[Row]) -> str:
    many = len({r.get("quantity") for r in records}) > 1
    if len(records) == 1:
        r = records[0]
        head = f"The latest {q.quantity_label}{_of(q)}"
        return f"{head} is {measure(r['value'], r['unit'])} (at {r['ts']})."
    parts = [
        f"{_label(q, r, many)} {measure(r['value'], r['unit'])} (at {r['ts']})"
        for r in records
    ]
    return f"The latest {q.quantity_label}: {'; '.join(parts)}."


def _alerts(q: Question, records: list[Row]) -> str:
    kind = " ".join(w for w in (q.severity, q.status, q.quantity_label) if w)
    scope = _scope(q).replace(" for ", " on ", 1)
    if q.group:
        if not records:
            return f"There were no {kind + ' ' if kind else ''}alerts{scope}{_when(q)}."
        parts = [f"{r.get(q.group) or '(none)'} {number(r['alerts'])}" for r in records]
        return f"{f'{kind} alerts'.strip().capitalize()}{_when(q)}: {', '.join(parts)}."
    count = int(records[0]["alerts"]) if records else 0
    noun = "alert" if count == 1 else "alerts"
    what = f"{number(count)} {kind + ' ' if kind else ''}{noun}{scope}"
    if q.window:
        verb = "was" if count == 1 else "were"
        return f"There {verb} {what} {q.window.label}."
    if q.status == "active":
        return f"There {'is' if count == 1 else 'are'} {what} now."
    return f"There have been {what} in total."
