"""What ``bench_ingest_http`` measures on each system (Vigil or a peer), the same way
for all: ingest as fast as the clients are answered until the last point is
queryable, explorer latency, and freshness under a paced load."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from bench.devserver import cpu_seconds
from bench.http_load import Plan, Target, Workload, drive

VISIBLE_TIMEOUT_S = 300.0
PROBE_TIMEOUT_S = 10.0
PROBE_PAUSE_S = 0.1


class System(Protocol):
    """Something the clients post to and the benchmark queries."""

    name: str
    target: Target

    def visible(self) -> bool: ...
    def post_probe(self, seq: int, ts_us: int) -> None: ...
    def probe_seen(self, seq: int, ts_us: int) -> bool: ...
    def query(self, ids: list[str]) -> None: ...
    def processes(self) -> dict[int, str]: ...


@dataclass
class Ingest:
    """Bulk ingest: rates in points/s, request latencies, CPU cores per process."""

    points: int
    accepted: float
    queryable: float
    latencies: list[float]
    failures: Counter[str]
    cores: dict[str, float]
    client_cores: float


@dataclass
class Freshness:
    """Probe point posted -> seen by a query, under load at ``rate`` points/s."""

    rate: float
    achieved: float
    samples: list[float] = field(default_factory=list)
    timeouts: int = 0
    failures: Counter[str] = field(default_factory=Counter)


def ingest(system: System, work: Workload, clients: int, inflight: int) -> Ingest:
    """Post the whole workload as fast as answers come; wait until it is queryable."""
    procs = system.processes()
    cpu0: dict[int, float] = {}
    run = drive(
        system.target,
        work,
        Plan(work.requests),
        clients,
        inflight,
        before_go=lambda: cpu0.update({p: cpu_seconds(p) for p in procs}),
    )
    out = run.wait()
    deadline = time.monotonic() + VISIBLE_TIMEOUT_S
    while not system.visible():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{system.name}: the last points never became visible")
        time.sleep(0.01)
    wall = time.perf_counter() - run.started
    cores = {name: (cpu_seconds(p) - cpu0[p]) / wall for p, name in procs.items()}
    return Ingest(
        points=work.total,
        accepted=work.total / (out.end - run.started),
        queryable=work.total / wall,
        latencies=out.latencies,
        failures=out.failures,
        cores=cores,
        client_cores=out.cpu_s / wall,
    )


def explorer(system: System, ids: list[str], repeats: int) -> list[float]:
    """Latency of the 30-day, 500-bucket query over ``ids``, after a warm-up."""
    system.query(ids)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        system.query(ids)
        times.append(time.perf_counter() - t)
    return times


def freshness(
    system: System,
    work: Workload,
    rate: float,
    seconds: float,
    clients: int,
    inflight: int,
) -> Freshness:
    """Probe while the clients post at ``rate`` points/s for about ``seconds``
    (points timestamped after the workload's, so its data stays as it was)."""
    per_request = work.stamps * work.bindings
    count = max(clients, round(rate * seconds / per_request))
    origin = work.t0_us + work.span_us + 60_000_000
    probe(system, 0, 60.0)  # a new series can take seconds (VictoriaMetrics)
    run = drive(system.target, work, Plan(count, rate, origin), clients, inflight, None)
    found = Freshness(rate=rate, achieved=0.0)
    seq = 0
    while any(p.is_alive() for p in run.procs):
        seq += 1
        took = probe(system, seq)
        if took is None:
            found.timeouts += 1
        else:
            found.samples.append(took)
        time.sleep(PROBE_PAUSE_S)
    out = run.wait()
    found.achieved = count * per_request / (out.end - run.started)
    found.failures = out.failures
    return found


def probe(system: System, seq: int, timeout_s: float = PROBE_TIMEOUT_S) -> float | None:
    """Post one point now; seconds until a query sees it (None: not within
    ``timeout_s``)."""
    ts_us = time.time_ns() // 1000
    t = time.perf_counter()
    system.post_probe(seq, ts_us)
    while not system.probe_seen(seq, ts_us):
        if time.perf_counter() - t > timeout_s:
            return None
        time.sleep(0.005)
    return time.perf_counter() - t
