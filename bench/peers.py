"""Peers for the telemetry benchmark: InfluxDB 1.6 and VictoriaMetrics (Debian
packages ``influxdb`` and ``victoria-metrics``), fed the same generated series and
asked the same downsampling query (mean per bucket, 500 buckets over 30 days)."""

from __future__ import annotations

import asyncio
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

    def write(self, client: httpx.Client, body: str) -> None:
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

    def write(self, client: httpx.Client, body: str) -> None:
        r = client.post(f"{self.base}/write", params={"db": "bench"}, content=body)
        r.raise_for_status()

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

    def write(self, client: httpx.Client, body: str) -> None:
        client.post(f"{self.base}/write", content=body).raise_for_status()

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


def _query_times(
    peer: Peer, ids: list[str], start: float, end: float, bucket_s: int
) -> list[float]:
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
                        _query_times, peer, ids[:n], start, end, bucket_s
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
