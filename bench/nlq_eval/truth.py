"""Known answers computed from the generated readings, independently of the
planner: windows are written out by hand, values aggregated in Python."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean, median

from bench.nlq_eval.data import NOW, ORG, Demo, Series

H = timedelta(hours=1)
D = timedelta(days=1)
MIDNIGHT = NOW.replace(hour=0, minute=0)
MONDAY = MIDNIGHT - 2 * D  # 2026-04-15 is a Wednesday
Window = tuple[datetime, datetime]
AGG: dict[str, Callable[[Sequence[float]], float]] = {
    "avg": fmean,
    "max": max,
    "min": min,
    "sum": sum,
    "count": len,
    "med": median,
}


def last(delta: timedelta) -> Window:
    """The rolling window ending now."""
    return (NOW - delta, NOW)


@dataclass(frozen=True)
class Scope:
    """Which series a question reads: devices, sites, quantity slugs."""

    devices: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    slugs: tuple[str, ...] = ()

    def series(self, demo: Demo) -> list[Series]:
        """The demo org's series in scope."""
        return [
            s
            for s in demo.series
            if s.org == ORG
            and (not self.devices or s.device in self.devices)
            and (not self.sites or s.site in self.sites)
            and (not self.slugs or s.slug in self.slugs)
        ]


def groups(
    demo: Demo, scope: Scope, by: str | None
) -> dict[tuple[str, ...], list[Series]]:
    """Series grouped as the answer's rows are: (device or site,) quantity, unit."""
    found: dict[tuple[str, ...], list[Series]] = {}
    for s in scope.series(demo):
        key = ((getattr(s, by),) if by else ()) + (s.name, s.unit)
        found.setdefault(key, []).append(s)
    return dict(sorted(found.items()))


def aggregate(
    demo: Demo, scope: Scope, window: Window, aggs: Sequence[str], by: str | None = None
) -> list[float]:
    """Each row's aggregates, rows in answer order."""
    out: list[float] = []
    for series in groups(demo, scope, by).values():
        values = [v for s in series for t, v in s.points if window[0] <= t < window[1]]
        if values:
            out += [float(AGG[a](values)) for a in aggs]
    return out


def latest(demo: Demo, scope: Scope) -> list[float]:
    """The newest value of each series in scope, by device."""
    series = sorted(scope.series(demo), key=lambda s: (s.device, s.name, s.unit))
    return [s.points[-1][1] for s in series]


def trend(
    demo: Demo,
    scope: Scope,
    window: Window,
    width: timedelta,
    agg: str = "avg",
    by: str | None = None,
) -> list[list[float]]:
    """Bucketed values of each series (buckets from the window start, floored)."""
    start = _floor(window[0], width)
    out = []
    for series in groups(demo, scope, by).values():
        buckets: dict[datetime, list[float]] = {}
        for s in series:
            for t, v in s.points:
                if start <= t < window[1]:
                    buckets.setdefault(start + (t - start) // width * width, []).append(
                        v
                    )
        out.append([float(AGG[agg](buckets[b])) for b in sorted(buckets)])
    return out


def _floor(moment: datetime, width: timedelta) -> datetime:
    if width == timedelta(minutes=1):
        return moment.replace(second=0, microsecond=0)
    if width == H:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def alerts(
    demo: Demo,
    window: Window | None = None,
    severity: str | None = None,
    status: str | None = None,
    devices: tuple[str, ...] = (),
    sites: tuple[str, ...] = (),
    quantity: str | None = None,
) -> int:
    """How many demo alerts match."""
    return sum(
        1
        for a in demo.alerts
        if (window is None or window[0] <= a["triggered_at"] < window[1])
        and severity in (None, a["severity"])
        and status in (None, a["status"])
        and (not devices or a["device"] in devices)
        and (not sites or a["site"] in sites)
        and quantity in (None, a["quantity"])
    )
