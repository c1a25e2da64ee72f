"""The figures of ``bench_ingest_http`` per system, as a table and ratio lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.http_load import Workload
from bench.ingest_measure import Freshness, Ingest
from bench.results import percentile


@dataclass
class Figures:
    """Everything measured on one system."""

    name: str
    ingest: Ingest
    explorer: dict[int, list[float]] = field(default_factory=dict)
    freshness: Freshness | None = None
    stored: int | None = None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _p(values: list[float], q: int) -> float:
    return percentile(values, q) if values else float("nan")


ROWS: list[tuple[str, Callable[[Figures], str]]] = [
    ("ingest, queryable (points/s)", lambda f: f"{f.ingest.queryable:,.0f}"),
    ("ingest, acknowledged (points/s)", lambda f: f"{f.ingest.accepted:,.0f}"),
    ("request p50", lambda f: ms(_p(f.ingest.latencies, 50))),
    ("request p99", lambda f: ms(_p(f.ingest.latencies, 99))),
    ("CPU of the system (cores)", lambda f: f"{sum(f.ingest.cores.values()):.2f}"),
    ("CPU of the clients (cores)", lambda f: f"{f.ingest.client_cores:.2f}"),
    ("freshness p50", lambda f: ms(_p(f.freshness.samples, 50)) if f.freshness else ""),
    ("freshness p99", lambda f: ms(_p(f.freshness.samples, 99)) if f.freshness else ""),
    ("explorer 30 d, 1 series, p50", lambda f: _explorer(f, 1, 50)),
    ("explorer 30 d, 10 series, p50", lambda f: _explorer(f, 10, 50)),
    ("explorer 30 d, 10 series, p99", lambda f: _explorer(f, 10, 99)),
    ("points stored / sent", lambda f: f"{f.stored or 0:,} / {f.ingest.points:,}"),
]


def _explorer(f: Figures, n: int, q: int) -> str:
    return ms(_p(f.explorer[n], q)) if n in f.explorer else ""


def report(
    work: Workload,
    args: Any,
    vigil: Figures,
    kafka: Figures,
    peers: list[Figures | str],
    notes: list[str],
) -> list[str]:
    """Lines for the console and RESULTS.md."""
    measured = [vigil, kafka, *(p for p in peers if isinstance(p, Figures))]
    lines = [
        f"Workload: {work.total:,} points, {work.series:,} series on "
        f"{work.devices:,} devices ({work.bindings} bindings each) over 30 days, "
        f"{work.stamps * work.bindings:,} points per request ({work.requests:,} "
        f"requests), {args.clients} client processes x {args.inflight} connections, "
        "on the same cores as the system measured. Freshness under a load at half "
        f"each system's queryable rate for {args.fresh_seconds:g} s; explorer "
        f"figures from {args.repeats} queries after a warm-up.",
        *notes,
        "",
        "| | " + " | ".join(f.name for f in measured) + " |",
        "|---|" + "---:|" * len(measured),
    ]
    lines += [
        f"| {row} | " + " | ".join(fn(f) for f in measured) + " |" for row, fn in ROWS
    ]
    lines.append("")
    lines += [f"- {line}" for line in _details(measured)]
    lines += [f"- {line}" for line in _ratios(vigil, kafka, peers)]
    return lines


def _details(measured: list[Figures]) -> list[str]:
    out = []
    for f in measured:
        cores = ", ".join(f"{name} {c:.2f}" for name, c in f.ingest.cores.items())
        out.append(f"{f.name}: CPU during ingest (cores): {cores}")
        if f.ingest.failures:
            out.append(f"{f.name}: failed requests: {dict(f.ingest.failures)}")
        if f.freshness is not None:
            fr = f.freshness
            out.append(
                f"{f.name}: freshness load {fr.rate:,.0f} points/s asked, "
                f"{fr.achieved:,.0f} achieved; {len(fr.samples)} probes, "
                f"{fr.timeouts} not seen within 10 s"
                + (f"; failed requests {dict(fr.failures)}" if fr.failures else "")
            )
    return out


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def _ratios(vigil: Figures, kafka: Figures, peers: list[Figures | str]) -> list[str]:
    v, k = vigil.ingest, kafka.ingest
    out = [
        "Cost of acknowledging after ClickHouse (projection / kafka): request p50 "
        f"{_ratio(_p(v.latencies, 50), _p(k.latencies, 50))}, p99 "
        f"{_ratio(_p(v.latencies, 99), _p(k.latencies, 99))}, queryable throughput "
        f"{_ratio(v.queryable, k.queryable)}"
    ]
    for peer in peers:
        if isinstance(peer, str):
            out.append(peer)
            continue
        pi, vf, pf = peer.ingest, vigil.freshness, peer.freshness
        assert vf is not None and pf is not None  # noqa: S101 - full runs
        out.append(
            f"Vigil / {peer.name}: queryable throughput "
            f"{_ratio(v.queryable, pi.queryable)}, request p50 "
            f"{_ratio(_p(v.latencies, 50), _p(pi.latencies, 50))}, p99 "
            f"{_ratio(_p(v.latencies, 99), _p(pi.latencies, 99))}; freshness p50 "
            f"{_ratio(_p(vf.samples, 50), _p(pf.samples, 50))}, p99 "
            f"{_ratio(_p(vf.samples, 99), _p(pf.samples, 99))}; explorer p50 1 "
            f"series {_ratio(_p(vigil.explorer[1], 50), _p(peer.explorer[1], 50))}"
            f", 10 series "
            f"{_ratio(_p(vigil.explorer[10], 50), _p(peer.explorer[10], 50))}"
        )
    return out
