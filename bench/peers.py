"""Peers for the telemetry benchmarks: InfluxDB 1.6 and VictoriaMetrics (Debian
packages ``influxdb`` and ``victoria-metrics``), fed the same generated series and
asked the same downsampling query (mean per bucket, 500 buckets over 30 days).

Line protocol puts each point in measurement ``m``, tag ``binding``, field ``value``
(``m_value`` in VictoriaMetrics). ``bench_ingest_http`` also asks each peer whether
points are visible yet: how many series have a point at one timestamp, how many
points lie in a range, and the latest value of a probe series."""

from __future__ import annotations

import asyncio
import math
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.results import percentile
from infra.broker import free_port
from projections.explorer import plan
from projections.telemetry import bucket_averages

DAY_S = 86_400
LINES_PER_POST = 20_000


def ensure_installed() -> str | None:
    """Install the peers with apt-get if missing; a reason when that fails."""
    if shutil.which("influxd") and shutil.which("victoria-metrics"):
        return None
    apt = ["apt-get", "install", "-y", "-qq", "influxdb", "victoria-metrics"]
    done = subprocess.run(apt, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return f"apt-get install failed: {done.stderr.strip()[-200:]}"
    return None


def series_lines(ids: list[str], points: int, start: float) -> Iterator[str]:
    """The bulk-loaded series again, as Influx line protocol (ns timestamps)."""
    per = points // len(ids)
    step = 30 * DAY_S / per
    for binding in ids:
        for i in range(per):
            ts_ns = int((start + i * step) * 1e6) * 1000
            yield f"m,binding={binding} value={20.0 + (i % 1000) / 100} {ts_ns}"


def wait_http(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


def _count(found: float) -> int:
    """A count answered as a float; NaN (no result) is 0."""
    return 0 if math.isnan(found) else int(found)


class Peer:
    name = ""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(20)

    @property
    def write_url(self) -> str:
        """Where line protocol is posted."""
        raise NotImplementedError

    def write(self, client: httpx.Client, body: str) -> None:
        client.post(self.write_url, content=body).raise_for_status()

    def series_at(self, client: httpx.Client, ts_us: int) -> int:
        """How many series have a point at ``ts_us``, as a query sees them now."""
        raise NotImplementedError

    def points_between(self, client: httpx.Client, start_us: int, end_us: int) -> int:
        """How many points lie in [start_us, end_us]."""
        raise NotImplementedError

    def probe_value(self, client: httpx.Client, series: str, ts_us: int) -> float:
        """The value of ``series`` at ``ts_us`` as a query sees it now (NaN: none)."""
        raise NotImplementedError

    def query(
        self,
        client: httpx.Client,
        ids: list[str],
        start: float,
        end: float,
        bucket_s: int,
    ) -> Any:
        raise NotImplementedError


class Influx(Peer):
    name = "InfluxDB 1.6"

    def start(self) -> None:
        rpc = free_port()
        cfg = self.tmp / "influx.toml"
        cfg.write_text(
            f'reporting-disabled = true\nbind-address = "127.0.0.1:{rpc}"\n'
            f'[meta]\n  dir = "{self.tmp}/meta"\n'
            f'[data]\n  dir = "{self.tmp}/data"\n  wal-dir = "{self.tmp}/wal"\n'
            "  query-log-enabled = false\n"
            f'[http]\n  bind-address = "127.0.0.1:{self.port}"\n  log-enabled = false\n'
        )
        self.proc = subprocess.Popen(  # noqa: S603
            ["influxd", "run", "-config", str(cfg)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.base}/ping")
        httpx.post(f"{self.base}/query", params={"q": "CREATE DATABASE bench"})

    @property
    def write_url(self) -> str:
        return f"{self.base}/write?db=bench"

    def _select(self, client: httpx.Client, q: str) -> float:
        r = client.get(f"{self.base}/query", params={"db": "bench", "q": q})
        r.raise_for_status()
        series = r.json()["results"][0].get("series")
        value = series[0]["values"][0][1] if series else None
        return math.nan if value is None else float(value)

    def series_at(self, client: httpx.Client, ts_us: int) -> int:
        q = f"SELECT count(value) FROM m WHERE time >= {ts_us}u AND time <= {ts_us}u"
        return _count(self._select(client, q))

    def points_between(self, client: httpx.Client, start_us: int, end_us: int) -> int:
        q = (
            f"SELECT count(value) FROM m "
            f"WHERE time >= {start_us}u AND time <= {end_us}u"
        )
        return _count(self._select(client, q))

    def probe_value(self, client: httpx.Client, series: str, ts_us: int) -> float:
        q = (
            f"SELECT max(value) FROM m WHERE binding = '{series}' AND "
            f"time >= {ts_us}u AND time <= {ts_us}u"
        )
        return self._select(client, q)

    def query(
        self,
        client: httpx.Client,
        ids: list[str],
        start: float,
        end: float,
        bucket_s: int,
    ) -> Any:
        match = "|".join(ids)
        q = (
            f"SELECT mean(value) FROM m WHERE binding =~ /^({match})$/ AND "
            f"time >= {int(start)}s AND time < {int(end)}s "
            f"GROUP BY time({bucket_s}s), binding"
        )
        r = client.get(f"{self.base}/query", params={"db": "bench", "q": q})
        r.raise_for_status()
        return r.json()


class Victoria(Peer):
    name = "VictoriaMetrics"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [
                "victoria-metrics",
                f"-storageDataPath={self.tmp}/vm",
                f"-httpListenAddr=127.0.0.1:{self.port}",
                "-retentionPeriod=2y",
                "-search.disableCache",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.base}/health")

    @property
    def write_url(self) -> str:
        return f"{self.base}/write"

    def _instant(self, client: httpx.Client, query: str, ts_us: int) -> float:
        # nocache=1: without it VictoriaMetrics moves a time within
        # -search.latencyOffset (30 s) of now back by that offset.
        r = client.get(
            f"{self.base}/api/v1/query",
            params={"query": query, "time": ts_us / 1e6, "nocache": 1},
        )
        r.raise_for_status()
        result = r.json()["data"]["result"]
        return float(result[0]["value"][1]) if result else math.nan

    def series_at(self, client: httpx.Client, ts_us: int) -> int:
        # The default 5-minute lookbehind holds only the point at ts_us when the
        # series' points are further apart than that (as bench_ingest_http's are).
        return _count(self._instant(client, "count(m_value)", ts_us))

    def points_between(self, client: httpx.Client, start_us: int, end_us: int) -> int:
        window = (end_us - start_us) // 1_000_000 + 1
        query = f"sum(count_over_time(m_value[{window}s]))"
        return _count(self._instant(client, query, end_us))

    def probe_value(self, client: httpx.Client, series: str, ts_us: int) -> float:
        query = f'max_over_time(m_value{{binding="{series}"}}[1s])'
        return self._instant(client, query, ts_us + 1)

    def flush(self, client: httpx.Client) -> None:
        client.get(f"{self.base}/internal/force_flush")

    def query(
        self,
        client: httpx.Client,
        ids: list[str],
        start: float,
        end: float,
        bucket_s: int,
    ) -> Any:
        sel = "|".join(ids)
        r = client.get(
            f"{self.base}/api/v1/query_range",
            params={
                "query": f'avg_over_time(m_value{{binding=~"{sel}"}}[{bucket_s}s])',
                "start": int(start),
                "end": int(end),
                "step": f"{bucket_s}s",
            },
        )
        r.raise_for_status()
        return r.json()


def _ingest(peer: Peer, ids: list[str], points: int, start: float) -> float:
    with httpx.Client(timeout=120) as client:
        lines = series_lines(ids, points, start)
        t0 = time.perf_counter()
        sent = 0
        while True:
            chunk = [
                line for _, line in zip(range(LINES_PER_POST), lines, strict=False)
            ]
            if not chunk:
                break
            peer.write(client, "\n".join(chunk))
            sent += len(chunk)
        if isinstance(peer, Victoria):
            peer.flush(client)
        return sent / (time.perf_counter() - t0)


def query_times(
    peer: Peer, ids: list[str], start: float, end: float, bucket_s: int
) -> list[float]:
    """Latency of the downsampling query over ``ids``, 10 times after a warm-up."""
    with httpx.Client(timeout=60) as client:
        peer.query(client, ids, start, end, bucket_s)  # warm up
        times = []
        for _ in range(10):
            t = time.perf_counter()
            peer.query(client, ids, start, end, bucket_s)
            times.append(time.perf_counter() - t)
        return times


async def compare(
    points: int, ids: list[str], bench: Any, vigil_ingest: float
) -> list[str]:
    """Load each peer, time its ingest and 30-day queries, print Vigil / peer ratios."""
    reason = ensure_installed()
    if reason:
        return [f"Peers not run: {reason}"]
    now = time.time()
    start, end = now - 30 * DAY_S, now
    bulk_start = now - 30 * DAY_S  # bench.bulk_load used the same origin (rounded)
    p = plan(int(start * 1e6), int(end * 1e6), 500)
    bucket_s = p.bucket // 1_000_000
    vigil_q: dict[int, list[float]] = {}
    for n in (1, 10):
        vigil_q[n] = []
        for _ in range(10):
            t = time.perf_counter()
            await bucket_averages(bench.store, "bulk", ids[:n], p)
            vigil_q[n].append(time.perf_counter() - t)
    lines = []
    for cls in (Influx, Victoria):
        with tempfile.TemporaryDirectory() as tmp:
            peer = cls(Path(tmp))
            try:
                peer.start()
                print(f"loading {points:,} points into {peer.name} ...", flush=True)
                rate = await asyncio.to_thread(_ingest, peer, ids, points, bulk_start)
                lines.append(
                    f"{peer.name}: ingest {rate:,.0f} points/s (line protocol, "
                    f"{LINES_PER_POST:,} per request); Vigil end to end / peer: "
                    f"{vigil_ingest / rate:.2f}x"
                )
                for n in (1, 10):
                    times = await asyncio.to_thread(
                        query_times, peer, ids[:n], start, end, bucket_s
                    )
                    peer_p50 = percentile(times, 50)
                    vigil_p50 = percentile(vigil_q[n], 50)
                    lines.append(
                        f"{peer.name}: 30 d, {n} series, {bucket_s} s buckets: p50 "
                        f"{peer_p50 * 1000:.1f} ms; "
                        f"Vigil p50 {vigil_p50 * 1000:.1f} ms; "
                        f"Vigil / peer latency {vigil_p50 / peer_p50:.2f}x"
                    )
            except Exception as ex:  # a peer failing must not hide the rest
                lines.append(f"{peer.name}: failed: {ex}")
            finally:
                peer.stop()
        print(lines[-1], flush=True)
    return lines
