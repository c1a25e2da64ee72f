"""Telemetry benchmark: ingest throughput, end-to-end freshness, explorer latency.

Runs the real app in process (Falcon ASGI driven without an HTTP socket, so the
figures are the platform's own cost) on the real parts (Tansu, chDB) and prints:
- ingest: measurements/s and request latency p50/p99 at batch sizes 1, 100, 1000,
  10000, and end to end (accepted and queryable in ClickHouse);
- freshness: measurement posted -> visible in ClickHouse, p50/p99, under load at
  about half the end-to-end rate;
- explorer: latency for 1 and 10 series over 1 h / 7 d / 30 d ranges on
  VIGIL_BENCH_POINTS (default 10 million) stored points;
- baseline: the same rows inserted straight into ClickHouse from Python;
- peers (``--peers``): InfluxDB 1.6 and VictoriaMetrics from Debian, same data and
  the same downsampling query, with Vigil / peer ratios (see bench/peers.py).

Usage: .venv/bin/python bench/bench_telemetry.py [--points 10000000] [--peers]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import falcon.testing  # noqa: E402
import orjson  # noqa: E402
import pyarrow as pa  # noqa: E402

from api.app import create_app  # noqa: E402
from bench.results import peak_rss_mib, percentile, record  # noqa: E402
from domain.isotime import iso_from_timestamp  # noqa: E402
from infra.broker import TansuBroker  # noqa: E402
from infra.settings import Settings  # noqa: E402
from projections.measurements import MeasurementsProjection  # noqa: E402

DAY_S = 86_400


def ms(values: list[float]) -> str:
    p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
    return f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"


class Bench:
    def __init__(self, api: falcon.testing.ASGIConductor, app: Any) -> None:
        self.api = api
        self.app = app
        self.store = app.platform.store

    async def setup(self, bindings: int) -> None:
        r = await self.api.simulate_post(
            "/api/auth/register",
            json={"email": "b@example.com", "password": "benchpass"},
        )
        self.auth = {"Authorization": f"Bearer {r.json['tokens']['access_token']}"}
        dev = await self.api.simulate_post(
            "/api/v1/devices/",
            json={"hardware_id": "BENCH-1", "display_name": "Bench"},
            headers=self.auth,
        )
        self.device = dev.json["id"]
        self.bindings = []
        for ch in range(bindings):
            b = await self.api.simulate_post(
                f"/api/v1/devices/{self.device}/bindings/",
                json={"channel": ch, "quantity_slug": "temperature.celsius"},
                headers=self.auth,
            )
            self.bindings.append(b.json["id"])
        tok = await self.api.simulate_post(
            "/api/v1/ingest/tokens/", json={"name": "bench"}, headers=self.auth
        )
        self.gw = {
            "Authorization": f"Bearer {tok.json['raw_token']}",
            "Content-Type": "application/json",
        }

    def body(self, size: int, start_s: float, binding: str | None = None) -> bytes:
        ms_ = [
            {
                "binding_id": binding or self.bindings[i % len(self.bindings)],
                "value": 20.0 + (i % 100) / 10,
                "timestamp": iso_from_timestamp(start_s + i * 0.001),
            }
            for i in range(size)
        ]
        return orjson.dumps({"hardware_id": "BENCH-1", "measurements": ms_})

    async def post(self, body: bytes) -> float:
        t = time.perf_counter()
        r = await self.api.simulate_post("/api/v1/ingest/", body=body, headers=self.gw)
        assert r.status_code == 202, r.text[:300]
        return time.perf_counter() - t

    async def count(self) -> int:
        rows = await self.store.query(
            f"SELECT count() FROM {self.store.database}.measurements "
            "WHERE org_id != 'bulk'"
        )
        return int(rows.scalar())

    async def ingest(
        self, run: int, size: int, total: int, concurrency: int = 8
    ) -> dict[str, Any]:
        requests = max(concurrency, total // size)
        base = time.time() - 7200 + run * 600  # each run its own 10-minute window
        bodies = [self.body(size, base + k * size * 0.001) for k in range(requests)]
        before = await self.count()
        latencies: list[float] = []
        queue = list(bodies)

        async def worker() -> None:
            while queue:
                latencies.append(await self.post(queue.pop()))

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        accepted_s = time.perf_counter() - t0
        target = before + requests * size
        while await self.count() < target:  # noqa: ASYNC110 - polling ClickHouse
            await asyncio.sleep(0.02)
        queryable_s = time.perf_counter() - t0
        n = requests * size
        return {
            "size": size,
            "n": n,
            "accepted": n / accepted_s,
            "queryable": n / queryable_s,
            "lat": latencies,
        }

    async def freshness(self, rate: float, seconds: float) -> list[float]:
        probe = self.bindings[-1]
        size = 1000
        stop = asyncio.Event()
        samples: list[float] = []

        async def load() -> None:
            interval = size / rate
            k = 0
            while not stop.is_set():
                t = time.perf_counter()
                await self.post(
                    self.body(size, time.time() - 1800 + k, self.bindings[0])
                )
                k += 1
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - t)))

        async def probes() -> None:
            seq = 0
            while not stop.is_set():
                seq += 1
                body = orjson.dumps(
                    {
                        "hardware_id": "BENCH-1",
                        "measurements": [{"binding_id": probe, "value": float(seq)}],
                    }
                )
                t = time.perf_counter()
                await self.post(body)
                while True:
                    rows = await self.store.query(
                        f"SELECT max(value) FROM {self.store.database}.measurements "
                        "WHERE binding_id = {b:UUID}",
                        {"b": probe},
                    )
                    if (rows.scalar() or 0) >= seq:
                        break
                    await asyncio.sleep(0.005)
                samples.append(time.perf_counter() - t)
                await asyncio.sleep(0.1)

        tasks = [asyncio.create_task(load()) for _ in range(2)] + [
            asyncio.create_task(probes())
        ]
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(*tasks)
        return samples

    async def bulk_load(self, points: int, series: int) -> tuple[list[str], float]:
        """Insert points straight into ClickHouse (the baseline); return the ids."""
        ids = [str(uuid.uuid4()) for _ in range(series)]
        org = "bulk"
        now = time.time()
        start = now - 30 * DAY_S
        per = points // series
        step = 30 * DAY_S / per
        chunk = 1_000_000
        schema = MeasurementsProjection.schema
        t0 = time.perf_counter()
        loaded = 0
        for s_index, binding in enumerate(ids):
            for first in range(0, per, chunk):
                n = min(chunk, per - first)
                ts = [int((start + (first + i) * step) * 1e6) for i in range(n)]
                cols = {
                    "org_id": [org] * n,
                    "device_id": [self.device] * n,
                    "binding_id": [binding] * n,
                    "ts": ts,
                    "kind": [0] * n,
                    "value": [20.0 + (i % 1000) / 100 for i in range(n)],
                    "text": [""] * n,
                    "quality": [0] * n,
                    "received_at": ts,
                    "topic_id": ["bulk"] * n,
                    "partition": [0] * n,
                    "offset": [s_index * per + first + i for i in range(n)],
                }
                table = pa.Table.from_pydict(cols, schema=schema)
                await self.store.insert_arrow(
                    f"{self.store.database}.measurements", table
                )
                loaded += n
            print(f"  loaded {loaded:,}/{points:,} points", flush=True)
        return ids, loaded / (time.perf_counter() - t0)


async def explorer_latency(b: Bench, ids: list[str]) -> list[str]:
    """Time explorer queries through the app with the bulk-loaded series."""
    # The bulk rows belong to org 'bulk'; query them as that org's bindings would be.
    from projections.explorer import plan
    from projections.telemetry import bucket_averages

    lines = []
    now_us = int(time.time() * 1e6)
    for label, seconds in (("1 h", 3600), ("7 d", 7 * DAY_S), ("30 d", 30 * DAY_S)):
        for n in (1, 10):
            p = plan(now_us - seconds * 1_000_000, now_us, 500)
            times = []
            for _ in range(15):
                t = time.perf_counter()
                rows = await bucket_averages(b.store, "bulk", ids[:n], p)
                times.append(time.perf_counter() - t)
            lines.append(
                f"Explorer query, {n} series over {label} ({p.source}, "
                f"{len(rows):,} cells): {ms(times)}"
            )
    return lines


async def main(points: int, peers: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp, TansuBroker() as broker:
        settings = Settings(
            data_dir=Path(tmp),
            kafka_bootstrap=broker.bootstrap,
            faust_enabled=False,
            rebalance_timeout_s=1.0,
            ingest_rate_limit_per_s=1e9,
            ingest_rate_limit_burst=10**9,
            rate_limit_per_s=1e9,
            rate_limit_burst=10**9,
        )
        app = create_app(settings)
        lines: list[str] = []
        async with falcon.testing.ASGIConductor(app) as api:
            b = Bench(api, app)
            await b.setup(10)
            await asyncio.sleep(3)  # let the projectors join their groups
            best = 0.0
            runs = ((1, 2_000), (100, 100_000), (1000, 400_000), (10_000, 400_000))
            for run, (size, total) in enumerate(runs):
                r = await b.ingest(run, size, total)
                best = max(best, r["queryable"])
                lines.append(
                    f"Ingest batch {size:>5}: {r['accepted']:>9,.0f} measurements/s "
                    "accepted, "
                    f"{r['queryable']:>9,.0f}/s end to end (queryable); request "
                    f"{ms(r['lat'])}"
                )
                print(lines[-1], flush=True)
            fresh = await b.freshness(best / 2, 20)
            lines.append(
                f"Freshness at ~{best / 2:,.0f} measurements/s: posted -> "
                f"queryable {ms(fresh)} ({len(fresh)} probes)"
            )
            print(lines[-1], flush=True)
            print(f"bulk-loading {points:,} points over 30 days ...", flush=True)
            ids, baseline = await b.bulk_load(points, 10)
            lines.append(
                f"Baseline, rows inserted straight into ClickHouse (Arrow): "
                f"{baseline:,.0f} rows/s; Vigil end to end / baseline: "
                f"{best / baseline:.2f}x"
            )
            lines += await explorer_latency(b, ids)
            if peers:
                from bench.peers import compare

                lines += await compare(points, ids, b, best)
        lines.append(f"Peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB")
    print("\n".join(lines))
    record("telemetry", "\n".join(f"- {line}" for line in lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--peers", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.points, args.peers))
