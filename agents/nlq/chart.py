"""Turn any NLQ result into ``chart_data`` by its shape (pure).

- A result whose first column holds times is a ``line``: ``timestamps`` are the
  distinct times (ISO-8601, ``Z``), and each text-valued column combination (device,
  quantity, ...) times each numeric column is a series, ``null`` where it has no
  point at a time.
- Otherwise one row is a ``stat``: a series per numeric column, one value each.
- Otherwise a ``bar``: a series per row, labelled by its text columns, holding the
  row's numbers in column order.

A ``unit`` column gives each series its unit (else ""); a result without numbers, or
without rows, has no chart (``null``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.isotime import iso

Chart = dict[str, Any]


def chart_data(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Chart | None:
    """The chart of a result, or None when there is nothing to draw."""
    if not rows or not columns:
        return None
    numeric = [i for i in range(len(columns)) if _numeric(rows, i)]
    texts = [
        i
        for i in range(len(columns))
        if i not in numeric and columns[i] != "unit" and _texts(rows, i)
    ]
    if _times(rows, 0) and len(columns) > 1:
        numeric = [i for i in numeric if i != 0]
        texts = [i for i in texts if i != 0]
        return _line(columns, rows, texts, numeric) if numeric else None
    if not numeric:
        return None
    if len(rows) == 1:
        return _stat(columns, rows[0], texts, numeric)
    return {
        "type": "bar",
        "series": [
            {
                "label": _label(row, texts) or f"row {n + 1}",
                "unit": _unit(columns, row),
                "values": [row[i] for i in numeric],
            }
            for n, row in enumerate(rows)
        ],
    }


def _numeric(rows: Sequence[Sequence[Any]], i: int) -> bool:
    values = [r[i] for r in rows if r[i] is not None]
    return bool(values) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )


def _texts(rows: Sequence[Sequence[Any]], i: int) -> bool:
    return all(isinstance(r[i], str) or r[i] is None for r in rows)


def _times(rows: Sequence[Sequence[Any]], i: int) -> bool:
    return all(isinstance(r[i], datetime) for r in rows)


def _label(row: Sequence[Any], texts: list[int]) -> str:
    return " / ".join(str(row[i]) for i in texts if row[i])


def _unit(columns: Sequence[str], row: Sequence[Any]) -> str:
    if "unit" not in columns:
        return ""
    value = row[list(columns).index("unit")]
    return str(value) if value is not None else ""


def _stat(
    columns: Sequence[str], row: Sequence[Any], texts: list[int], numeric: list[int]
) -> Chart:
    label = _label(row, texts)
    series = [
        {
            "label": _named(label, columns[i], len(numeric) > 1),
            "unit": _unit(columns, row),
            "values": [row[i]],
        }
        for i in numeric
    ]
    return {"type": "stat", "series": series}


def _named(label: str, column: str, many: bool) -> str:
    if not label:
        return column
    return f"{label} {column}" if many else label


def _line(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    texts: list[int],
    numeric: list[int],
) -> Chart:
    axis = sorted({r[0] for r in rows})
    position = {t: n for n, t in enumerate(axis)}
    series: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        label = _label(row, texts)
        for i in numeric:
            key = (label, i)
            if key not in series:
                series[key] = {
                    "label": _named(label, columns[i], len(numeric) > 1),
                    "unit": _unit(columns, row),
                    "values": [None] * len(axis),
                }
            series[key]["values"][position[row[0]]] = row[i]
    return {
        "type": "line",
        "timestamps": [iso(t) for t in axis],
        "series": list(series.values()),
    }
