"""``kill -9`` of the whole ``vigil dev`` process group under ingest load, at random
moments, then a restart: every acknowledged measurement is in ClickHouse, once.

The embedded broker keeps topics in memory and dies with the group, so this holds
only because ``vigil dev`` acknowledges a write once ClickHouse has it
(``VIGIL_ACK_AFTER=projection``)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from infra.broker import free_port
from infra.chdb_store import ChdbStore
from tests.integration.test_dev_stack import VIGIL, _wait_ready

KILLS = 3
PER_REQUEST = 100


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_REBALANCE_TIMEOUT_S"] = "1"
    log = (data_dir / "vigil-dev.log").open("a")
    return subprocess.Popen(
        [VIGIL, "dev", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, killed whole below
    )


def _setup(base: str) -> tuple[str, dict[str, str]]:
    """An account with one device, one binding and a gateway token."""
    r = httpx.post(
        f"{base}/api/auth/register",
        json={"email": "crash@example.com", "password": "correct-horse"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    auth = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
    device = httpx.post(
        f"{base}/api/v1/devices/",
        json={"hardware_id": "CRASH-1", "display_name": "Crash"},
        headers=auth,
        timeout=30,
    ).json()
    binding = httpx.post(
        f"{base}/api/v1/devices/{device['id']}/bindings/",
        json={"channel": 0, "quantity_slug": "temperature.celsius"},
        headers=auth,
        timeout=30,
    ).json()
    token = httpx.post(
        f"{base}/api/v1/ingest/tokens/", json={"name": "gw"}, headers=auth, timeout=30
    ).json()
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

    def _post(self, client: httpx.Client, seq: list[int]) -> bool:
        body: dict[str, Any] = {
            "hardware_id": "CRASH-1",
            "measurements": [
                {
                    "binding_id": self.binding,
                    "value": float(n),
                    "timestamp": (self.origin + timedelta(milliseconds=n)).isoformat(),
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
                    self.acked.update(self.micros(n) for n in seq)

    def micros(self, n: int) -> int:
        moment = self.origin + timedelta(milliseconds=n)
        return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _kill_under_load(
    proc: subprocess.Popen[str], load: Load, rng: random.Random
) -> int:
    """Post from 4 threads; SIGKILL the process group at a random moment."""
    stop = threading.Event()
    threads = [threading.Thread(target=load.run, args=(stop,)) for _ in range(4)]
    before = len(load.acked)
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(load.acked) == before and time.monotonic() < deadline:
        time.sleep(0.01)  # under load first: the kill lands among acknowledged writes
    time.sleep(rng.uniform(0.0, 1.5))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return len(load.acked) - before


def _stored(data_dir: Path, binding: str) -> list[int]:
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


def test_kill_9_of_the_process_group_loses_no_acknowledged_measurement(
    tmp_path: Path,
) -> None:
    rng = random.Random(7)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(tmp_path, port)
    _wait_ready(port, proc)
    binding, gateway = _setup(base)
    load = Load(base, binding, gateway)
    for _ in range(KILLS):
        assert _kill_under_load(proc, load, rng) > 0  # acks happened before the kill
        proc = _start(tmp_path, port)
        _wait_ready(port, proc)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    stored = _stored(tmp_path, binding)
    missing = load.acked - set(stored)
    assert not missing, f"{len(missing)} of {len(load.acked)} acknowledged are lost"
    assert len(stored) == len(set(stored)), "a measurement was stored twice"
