"""Crash test: ``kill -9`` of the whole ``vigil dev`` process group under ingest load,
at random moments, then a restart; finally count every acknowledged measurement in
ClickHouse (chDB, read directly once the server is stopped).

Four threads post batches of 100 measurements to one binding, each measurement with
its own timestamp, and remember the ones answered 202. After ``--kills`` rounds of
load, SIGKILL of the process group (API, projectors, Faust, chDB at once; the
embedded Tansu broker runs detached and outlives it, so every other round kills the
broker too, its topics gone) and restart, it prints per kill how many measurements were
acknowledged, and the tally: acknowledged but not stored (lost) and stored twice
(duplicated). ``vigil dev`` acknowledges once ClickHouse has a write
(``VIGIL_ACK_AFTER=projection``), so both should be 0; ``--ack-after kafka`` shows
what the memory-only broker loses without that.

``tests/integration/test_crash_ingest.py`` runs the same harness with 3 kills.

Usage: .venv/bin/python bench/crash_ingest.py [--kills 10] [--seed 7]
       [--ack-after kafka] [--no-record]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.devserver import DevServer  # noqa: E402
from bench.results import record  # noqa: E402
from domain.isotime import to_micros  # noqa: E402
from infra.chdb_store import ChdbStore  # noqa: E402

PER_REQUEST = 100
THREADS = 4
DEV_ENV = {"VIGIL_REBALANCE_TIMEOUT_S": "1", "VIGIL_AI_WARM": "false"}


def setup(base: str) -> tuple[str, dict[str, str]]:
    """An account with one device, one binding and a gateway token."""
    r = httpx.post(
        f"{base}/api/auth/register",
        json={"email": "crash@example.com", "password": "correct-horse"},
        timeout=30,
    )
    r.raise_for_status()
    auth = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(f"{base}{path}", json=body, headers=auth, timeout=30)
        answer.raise_for_status()
        return dict(answer.json())

    device = post("/api/v1/devices/", {"hardware_id": "CRASH-1", "display_name": "C"})
    binding = post(
        f"/api/v1/devices/{device['id']}/bindings/",
        {"channel": 0, "quantity_slug": "temperature.celsius"},
    )
    token = post("/api/v1/ingest/tokens/", {"name": "gw"})
    return binding["id"], {"Authorization": f"Bearer {token['raw_token']}"}


class Load:
    """Threads posting batches until the server dies; remembers what was acked."""

    def __init__(self, base: str, binding: str, gateway: dict[str, str]) -> None:
        self.base, self.binding, self.gateway = base, binding, gateway
        self.acked: set[int] = set()  # microsecond timestamps acknowledged
        self.next = 0
        self.lock = threading.Lock()
        self.origin = datetime.now(UTC) - timedelta(minutes=5)

    def _batch(self) -> list[int]:
        with self.lock:
            start, self.next = self.next, self.next + PER_REQUEST
        return [start + i for i in range(PER_REQUEST)]

    def moment(self, n: int) -> datetime:
        """The timestamp of measurement ``n``: one millisecond apart."""
        return self.origin + timedelta(milliseconds=n)

    def _post(self, client: httpx.Client, seq: list[int]) -> bool:
        body: dict[str, Any] = {
            "hardware_id": "CRASH-1",
            "measurements": [
                {
                    "binding_id": self.binding,
                    "value": float(n),
                    "timestamp": self.moment(n).isoformat(),
                }
                for n in seq
            ],
        }
        try:
            r = client.post(f"{self.base}/api/v1/ingest/", json=body)
        except httpx.HTTPError:
            return False
        return r.status_code == 202

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(headers=self.gateway, timeout=30) as client:
            while not stop.is_set():
                seq = self._batch()
                if not self._post(client, seq):
                    return
                with self.lock:
                    self.acked.update(to_micros(self.moment(n)) for n in seq)


def kill_under_load(
    server: DevServer, load: Load, rng: random.Random, broker: bool
) -> int:
    """Post from 4 threads; SIGKILL the process group (and the broker) at a random
    moment; the measurements acknowledged meanwhile."""
    stop = threading.Event()
    threads = [threading.Thread(target=load.run, args=(stop,)) for _ in range(THREADS)]
    before = len(load.acked)
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(load.acked) == before and time.monotonic() < deadline:
        time.sleep(0.01)  # under load first: the kill lands among acknowledged writes
    time.sleep(rng.uniform(0.0, 1.5))
    server.kill_group(broker=broker)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return len(load.acked) - before


def stored(data_dir: Path, binding: str) -> list[int]:
    """Timestamps (µs) of the binding's rows in chDB, repeats included; only while
    no server holds the directory."""
    store = ChdbStore(str(data_dir / "chdb"), "vigil")
    try:
        rows = store.query(
            "SELECT toUnixTimestamp64Micro(ts) FROM vigil.measurements "
            "WHERE binding_id = toUUID({b:String})",
            {"b": binding},
        )
    finally:
        store.close()
    return [int(r[0]) for r in rows.rows]


@dataclass
class Tally:
    """What the kills did: acknowledged per kill, and the final count."""

    acked_per_kill: list[int] = field(default_factory=list)
    acked: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    seconds: float = 0.0


def run(
    data_dir: Path,
    kills: int,
    seed: int = 7,
    env: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Tally:
    """Start ``vigil dev`` in ``data_dir``, kill it under load ``kills`` times
    (restarting each time), stop it cleanly and count what was stored."""
    t0 = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - kill moments, not secrets
    server = DevServer(data_dir, {**DEV_ENV, **(env or {})}, own_group=True)
    server.start()
    try:
        binding, gateway = setup(server.base)
        load = Load(server.base, binding, gateway)
        tally = Tally()
        for kill in range(kills):
            acked = kill_under_load(server, load, rng, broker=kill % 2 == 1)
            tally.acked_per_kill.append(acked)
            if progress is not None:
                progress(kill + 1, acked)
            server.start()
        server.stop()
    except BaseException:
        if server.proc is not None and server.proc.poll() is None:
            server.kill_group(broker=True)  # leave no vigil dev or broker behind
        raise
    rows = stored(data_dir, binding)
    tally.acked, tally.stored = len(load.acked), len(rows)
    tally.lost = len(load.acked - set(rows))
    tally.duplicated = len(rows) - len(set(rows))
    tally.seconds = time.perf_counter() - t0
    return tally


def report(tally: Tally, kills: int, ack_after: str) -> list[str]:
    per_kill = ", ".join(f"{n:,}" for n in tally.acked_per_kill)
    verdict = "PASS" if not tally.lost and not tally.duplicated else "FAIL"
    excess = (
        " (the excess: requests in flight at a kill, stored without their answer "
        "reaching the client)"
        if tally.stored > tally.acked
        else ""
    )
    return [
        f"`vigil dev` (VIGIL_ACK_AFTER={ack_after}), {THREADS} threads posting "
        f"batches of {PER_REQUEST}, SIGKILL of the whole process group (API, "
        f"projectors, Faust, chDB; every other round the detached Tansu broker "
        f"too) at a random 0.5-2.5 s into each round, then a restart; {kills} "
        f"kills in {tally.seconds:.0f} s",
        f"Acknowledged per kill round: {per_kill}",
        f"Acknowledged in all: {tally.acked:,}; rows stored: {tally.stored:,}{excess}",
        f"Acknowledged but lost: {tally.lost:,}; stored twice: {tally.duplicated:,}"
        f" -> {verdict}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--ack-after",
        choices=("projection", "kafka"),
        default="projection",
        help="VIGIL_ACK_AFTER for vigil dev (projection is its own default)",
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    env = {} if args.ack_after == "projection" else {"VIGIL_ACK_AFTER": "kafka"}

    def progress(kill: int, acked: int) -> None:
        print(f"kill {kill}/{args.kills}: {acked:,} acknowledged before it", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        tally = run(Path(tmp), args.kills, args.seed, env, progress)
    lines = report(tally, args.kills, args.ack_after)
    print("\n".join(lines))
    if not args.no_record:
        record("crash_ingest", "\n".join(f"- {line}" for line in lines))
    sys.exit(1 if tally.lost or tally.duplicated else 0)


if __name__ == "__main__":
    main()
