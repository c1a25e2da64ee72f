"""The HTTP ingest workload and its client processes, the same for Vigil and its peers.

A workload is ``devices`` devices with ``bindings`` series each, ``points`` points in
all, spread evenly over 30 days. Request ``r`` carries device ``r % devices``'s next
``batch // bindings`` timestamps for all its series, so devices advance through time
together, each in time order, and every series has a point at :attr:`last_us`.

:func:`drive` posts requests from several client processes (``spawn``), each with
``inflight`` threads holding one keep-alive connection: as fast as answers come, or
paced to a rate. Bodies are encoded before the start, so the clients spend their
time on HTTP, not on JSON.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from domain.isotime import iso_from_micros

DAY_US = 86_400_000_000
OK = (200, 201, 202, 204)


@dataclass(frozen=True)
class Workload:
    """Which points each request carries."""

    devices: int
    bindings: int
    points: int
    batch: int
    t0_us: int
    span_us: int = 30 * DAY_US

    @property
    def series(self) -> int:
        return self.devices * self.bindings

    @property
    def per_series(self) -> int:
        return self.points // self.series

    @property
    def total(self) -> int:
        """Points actually sent (``points`` rounded down to whole series)."""
        return self.per_series * self.series

    @property
    def step_us(self) -> int:
        return self.span_us // self.per_series

    @property
    def stamps(self) -> int:
        """Timestamps per request (each with a point on every series of its device)."""
        return max(1, self.batch // self.bindings)

    @property
    def requests(self) -> int:
        return self.devices * math.ceil(self.per_series / self.stamps)

    @property
    def last_us(self) -> int:
        """The timestamp of every series' last point."""
        return self.t0_us + (self.per_series - 1) * self.step_us

    def request(self, r: int) -> tuple[int, list[tuple[int, float]]]:
        """Device and (timestamp, value) pairs of bulk request ``r``."""
        device, chunk = r % self.devices, r // self.devices
        first = chunk * self.stamps
        js = range(first, min(self.per_series, first + self.stamps))
        return device, [(self.t0_us + j * self.step_us, value(j)) for j in js]

    def paced(self, r: int, origin_us: int) -> tuple[int, list[tuple[int, float]]]:
        """Request ``r`` of a paced load after ``origin_us``: points 1 ms apart."""
        device, chunk = r % self.devices, r // self.devices
        first = chunk * self.stamps
        return device, [
            (origin_us + (first + i) * 1000, value(first + i))
            for i in range(self.stamps)
        ]


def value(j: int) -> float:
    """The value of a series' point ``j`` (as ``bench.peers.series_lines`` has it)."""
    return 20.0 + (j % 1000) / 100


@dataclass(frozen=True)
class Target:
    """Where and how the clients post: Vigil's JSON (one gateway token and hardware
    id per device) or line protocol; ``series`` holds each device's series ids."""

    url: str
    line_protocol: bool
    series: tuple[tuple[str, ...], ...]
    hardware_ids: tuple[str, ...] = ()
    headers: tuple[dict[str, str], ...] = ()

    def body(self, device: int, stamps: list[tuple[int, float]]) -> bytes:
        ids = self.series[device]
        if self.line_protocol:
            return "\n".join(
                f"m,binding={s} value={v} {ts * 1000}" for ts, v in stamps for s in ids
            ).encode()
        rows = []
        for ts, v in stamps:
            moment = iso_from_micros(ts)
            rows += [{"binding_id": s, "value": v, "timestamp": moment} for s in ids]
        return orjson.dumps(
            {"hardware_id": self.hardware_ids[device], "measurements": rows}
        )

    def headers_of(self, device: int) -> dict[str, str]:
        if self.line_protocol:
            return {}
        return {"Content-Type": "application/json", **self.headers[device]}


@dataclass
class Outcome:
    """What the clients saw: latency of every answered request, failures by status
    (or exception name), CPU seconds of the client processes, last answer time."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    cpu_s: float = 0.0
    end: float = 0.0


@dataclass(frozen=True)
class Plan:
    """Which requests to post: bulk ones, or paced ones after ``origin_us``."""

    count: int
    rate: float | None = None  # points/s over all clients; None: as fast as possible
    origin_us: int | None = None  # paced load: its first timestamp


def _client(
    target: Target,
    work: Workload,
    plan: Plan,
    mine: list[int],
    threads: tuple[int, float],
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """One client process: encode its requests, wait for ``go``, then post them from
    ``threads[0]`` threads, request ``i`` not before ``i * threads[1]`` seconds."""
    origin = plan.origin_us
    made = [work.request(r) if origin is None else work.paced(r, origin) for r in mine]
    bodies = [(d, target.body(d, stamps)) for d, stamps in made]
    ready.put(1)
    go.wait()
    inflight, interval = threads
    start, cpu0 = time.perf_counter(), time.process_time()
    out, lock, counter = Outcome(), threading.Lock(), itertools.count()

    def post(http: httpx.Client, device: int, body: bytes) -> str | None:
        """Post one request; None if accepted, else what went wrong."""
        try:
            r = http.post(target.url, content=body, headers=target.headers_of(device))
        except httpx.HTTPError as ex:
            return type(ex).__name__
        return None if r.status_code in OK else str(r.status_code)

    def post_all() -> None:
        with httpx.Client(timeout=60) as http:
            while (i := next(counter)) < len(bodies):
                time.sleep(max(0.0, start + i * interval - time.perf_counter()))
                t = time.perf_counter()
                failed = post(http, *bodies[i])
                with lock:
                    if failed is None:
                        out.latencies.append(time.perf_counter() - t)
                    else:
                        out.failures[failed] += 1

    pool = [threading.Thread(target=post_all) for _ in range(inflight)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.cpu_s, out.end = time.process_time() - cpu0, time.perf_counter()
    results.put(out)


class Run:
    """Client processes posting; :attr:`started` is when they were let go."""

    def __init__(self, procs: list[Any], results: Any, started: float) -> None:
        self.procs, self.results, self.started = procs, results, started

    def wait(self) -> Outcome:
        """Wait for every client; their outcomes merged."""
        merged = Outcome()
        for _ in self.procs:
            one: Outcome = self.results.get()
            merged.latencies += one.latencies
            merged.failures += one.failures
            merged.cpu_s += one.cpu_s
            merged.end = max(merged.end, one.end)
        for p in self.procs:
            p.join()
        return merged


def drive(
    target: Target,
    work: Workload,
    plan: Plan,
    clients: int,
    inflight: int,
    before_go: Any = None,
) -> Run:
    """Start ``clients`` processes on ``plan``'s requests (client ``c`` takes every
    ``clients``-th); return once they all are encoded and let go."""
    ctx = multiprocessing.get_context("spawn")
    ready, go, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    shares = [list(range(c, plan.count, clients)) for c in range(clients)]
    per_request = work.stamps * work.bindings
    interval = per_request * clients / plan.rate if plan.rate else 0.0
    procs = [
        ctx.Process(
            target=_client,
            args=(target, work, plan, mine, (inflight, interval), ready, go, results),
            daemon=True,
        )
        for mine in shares
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=600)
    if before_go is not None:
        before_go()
    started = time.perf_counter()
    go.set()
    return Run(procs, results, started)
