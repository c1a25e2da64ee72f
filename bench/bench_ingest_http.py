"""HTTP ingest benchmark: ``vigil dev`` as a user starts it, driven over HTTP by
client processes, then InfluxDB 1.6 and VictoriaMetrics on the same data in the
same run.

The workload (``bench/http_load.py``): ``--devices`` devices with 10 bindings each,
``--points`` points spread over 30 days, 1,000 points per request, posted by
``--clients`` processes with ``--inflight`` connections each. Every device has its
own gateway token, as real gateways do. For each system it prints:
- ingest throughput, acknowledged and queryable (points/s from the first request
  until the last point of every series is visible through the query API: Vigil's
  explorer, InfluxQL, PromQL), request latency p50/p99, and the CPU used by every
  process of the system (``vigil dev``'s whole tree: gunicorn master, its worker
  with API, projectors, Faust and chDB, and the Tansu broker) and by the clients;
- explorer latency p50/p99 for 30 days -> 500 buckets (Vigil: its 1-hour rollup,
  2-hour buckets; the peers: mean per 2-hour bucket of their raw points) over 1
  and 10 series;
- freshness p50/p99 while the clients post at half the system's queryable rate:
  a probe point posted now, then queried every 5 ms until it appears (10 s bound);
- for Vigil also the ingest once more on a fresh ``vigil dev`` with
  ``VIGIL_ACK_AFTER=kafka`` (acknowledged once Kafka has a write, not ClickHouse:
  what the durability guarantee costs), and that everything sent was stored;
- ratios Vigil / peer.

``vigil dev`` runs with its defaults except the per-credential request limits
(setup posts ~1,300 requests on one account; probes poll the explorer).

Usage: .venv/bin/python bench/bench_ingest_http.py [--quick] [--points N]
       [--devices N] [--clients N] [--inflight N] [--no-peers] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.devserver import DevServer  # noqa: E402
from bench.http_load import DAY_US, Workload  # noqa: E402
from bench.ingest_measure import (  # noqa: E402
    Freshness,
    Ingest,
    System,
    explorer,
    freshness,
    ingest,
)
from bench.peer_http import PeerHttp  # noqa: E402
from bench.peers import Influx, Victoria, ensure_installed  # noqa: E402
from bench.report import Figures, report  # noqa: E402
from bench.results import record  # noqa: E402
from bench.vigil_http import VigilHttp, stored_points  # noqa: E402

HOUR_US = 3_600_000_000
BINDINGS = 10
BATCH = 1000
DEV_ENV = {
    "VIGIL_RATE_LIMIT_PER_S": "1000000",
    "VIGIL_RATE_LIMIT_BURST": "1000000",
}


def measure(system: System, work: Workload, args: Any, full: bool) -> Figures:
    """Ingest, then (``full``) explorer latency and freshness, printing as it goes."""
    print(f"{system.name}: posting {work.total:,} points ...", flush=True)
    done: Ingest = ingest(system, work, args.clients, args.inflight)
    print(f"  {done.queryable:,.0f} points/s queryable", flush=True)
    figures = Figures(system.name, done)
    if not full:
        return figures
    series = [s for ids in system.target.series for s in ids]
    figures.explorer = {n: explorer(system, series[:n], args.repeats) for n in (1, 10)}
    rate = done.queryable / 2
    print(f"  freshness at {rate:,.0f} points/s ...", flush=True)
    fresh: Freshness = freshness(
        system, work, rate, args.fresh_seconds, args.clients, args.inflight
    )
    figures.freshness = fresh
    return figures


def run_vigil(
    work: Workload, args: Any, ack_after: str | None
) -> tuple[Figures, tuple[tuple[str, ...], ...]]:
    """A fresh ``vigil dev``: set up, measure, stop, count what ClickHouse holds."""
    env = dict(DEV_ENV)
    if ack_after:
        env["VIGIL_ACK_AFTER"] = ack_after
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        server = DevServer(data, env)
        print(f"starting vigil dev ({ack_after or 'its default acks'}) ...", flush=True)
        up = server.start()
        vigil = VigilHttp(server, work)
        try:
            t = time.perf_counter()
            vigil.setup()
            print(f"  ready in {up:.1f} s, set up in {time.perf_counter() - t:.1f} s")
            if ack_after:
                vigil.name = f"Vigil, VIGIL_ACK_AFTER={ack_after}"
            figures = measure(vigil, work, args, full=ack_after is None)
        except Exception:
            print(f"--- tail of the vigil dev log ---\n{server.log()}", flush=True)
            raise
        finally:
            vigil.close()
            server.stop()
        figures.stored = stored_points(data, work.t0_us, work.last_us)
    return figures, vigil.target.series


def run_peers(
    work: Workload, args: Any, series: tuple[tuple[str, ...], ...]
) -> list[Figures | str]:
    """Each peer in turn on the same points; a line saying why when one fails."""
    reason = ensure_installed()
    if reason:
        return [f"Peers not run: {reason}"]
    out: list[Figures | str] = []
    for cls in (Influx, Victoria):
        with tempfile.TemporaryDirectory() as tmp:
            peer = cls(Path(tmp))
            system = None
            try:
                peer.start()
                system = PeerHttp(peer, work, series)
                figures = measure(system, work, args, full=True)
                figures.stored = system.stored()
                out.append(figures)
            except Exception as ex:  # a peer failing must not hide the rest
                out.append(f"{cls.name}: failed: {ex!r}")
                print(out[-1], flush=True)
            finally:
                if system is not None:
                    system.close()
                peer.stop()
    return out


def main() -> None:
    args = parse_args()
    now_us = time.time_ns() // 1000
    t0 = now_us - 30 * DAY_US - HOUR_US
    work = Workload(args.devices, BINDINGS, args.points, BATCH, t0 - t0 % HOUR_US)
    load = os.getloadavg()[0]
    vigil, series = run_vigil(work, args, None)
    kafka, _ = run_vigil(work, args, "kafka")
    peers = [] if args.no_peers else run_peers(work, args, series)
    notes = [
        "1-minute load average of the machine (shared with other work): "
        f"{load:.1f} before the run, {os.getloadavg()[0]:.1f} after it."
    ]
    if args.quick:
        notes.insert(0, "Quick run (--quick): small sizes.")
    lines = report(work, args, vigil, kafka, peers, notes)
    print("\n".join(lines))
    if not args.no_record:
        record("ingest_http", "\n".join(lines))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--points", type=int, help="default 2,000,000 (quick 100,000)")
    parser.add_argument("--devices", type=int, help="default 100 (quick 10)")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--inflight", type=int, default=8, help="per client")
    parser.add_argument("--fresh-seconds", type=float, help="default 20 (quick 5)")
    parser.add_argument("--repeats", type=int, help="explorer queries (20, quick 5)")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    defaults = {
        "points": 100_000 if quick else 2_000_000,
        "devices": 10 if quick else 100,
        "fresh_seconds": 5.0 if quick else 20.0,
        "repeats": 5 if quick else 20,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


if __name__ == "__main__":
    main()
