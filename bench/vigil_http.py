"""A running ``vigil dev`` as ``bench_ingest_http`` drives it, over HTTP only: an
account, devices with their bindings and one gateway token each (as real gateways
have), and the explorer API to see what is queryable."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.devserver import DevServer
from bench.http_load import Target, Workload
from domain.isotime import iso_from_micros
from infra.chdb_store import ChdbStore

EXPLORER = "/api/v1/explorer/query/"
PROBE = "PROBE-1"
SETUP_THREADS = 16


class VigilHttp:
    """Set up the workload's devices on a server, then answer the benchmark's
    questions through the explorer (with a read-only API key)."""

    def __init__(self, server: DevServer, work: Workload) -> None:
        self.server, self.work = server, work
        self.http = httpx.Client(base_url=server.base, timeout=60)
        self.name = "Vigil"

    def setup(self) -> None:
        """Account, API key, devices, bindings and gateway tokens; the probe device."""
        r = self._post(
            "/api/auth/register",
            {"email": "bench@example.com", "password": "bench-password"},
        )
        self.http.headers["Authorization"] = f"Bearer {r['tokens']['access_token']}"
        key = self._post("/api/keys", {"name": "bench", "permissions": ["read"]})
        hardware = [f"BENCH-{d:04d}" for d in range(self.work.devices)] + [PROBE]
        with ThreadPoolExecutor(SETUP_THREADS) as pool:
            made = list(pool.map(self._device, hardware))
        self.http.headers["Authorization"] = f"Bearer {key['key']['full_key']}"
        *devices, probe = made
        self.probe_series, self.probe_auth = probe[0][0], probe[1]
        self.target = Target(
            url=f"{self.server.base}/api/v1/ingest/",
            line_protocol=False,
            series=tuple(ids for ids, _ in devices),
            hardware_ids=tuple(hardware[:-1]),
            headers=tuple(auth for _, auth in devices),
        )

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        r = self.http.post(path, json=body)
        if r.status_code >= 300:
            raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def _device(self, hardware_id: str) -> tuple[tuple[str, ...], dict[str, str]]:
        """One device, its bindings (one for the probe) and its gateway token."""
        named = {"hardware_id": hardware_id, "display_name": hardware_id}
        device = self._post("/api/v1/devices/", named)
        channels = 1 if hardware_id == PROBE else self.work.bindings
        ids = tuple(
            self._post(
                f"/api/v1/devices/{device['id']}/bindings/",
                {"channel": ch, "quantity_slug": "temperature.celsius"},
            )["id"]
            for ch in range(channels)
        )
        token = self._post(
            "/api/v1/ingest/tokens/", {"name": hardware_id, "hardware_id": hardware_id}
        )
        return ids, {"Authorization": f"Bearer {token['raw_token']}"}

    def explore(self, ids: list[str], start_us: int, end_us: int, points: int) -> Any:
        """One explorer query; its answer."""
        r = self.http.get(
            EXPLORER,
            params={
                "binding_ids": ",".join(ids),
                "start": iso_from_micros(start_us),
                "end": iso_from_micros(end_us),
                "max_points": points,
            },
        )
        r.raise_for_status()
        return r.json()

    def visible(self) -> bool:
        """Whether every device's last request is queryable. A device's requests
        share its Kafka partition and are projected in order, so its last one
        being there means all of them are."""
        last = self.work.last_us
        firsts = [ids[0] for ids in self.target.series]
        for at in range(0, len(firsts), 50):  # VIGIL_EXPLORER_MAX_SERIES
            answer = self.explore(firsts[at : at + 50], last, last + 1, 1)
            if not all(_has_point(s) for s in answer["series"]):
                return False
        return True

    def post_probe(self, seq: int, ts_us: int) -> None:
        body = {
            "hardware_id": PROBE,
            "measurements": [
                {
                    "binding_id": self.probe_series,
                    "value": float(seq),
                    "timestamp": iso_from_micros(ts_us),
                }
            ],
        }
        r = self.http.post("/api/v1/ingest/", json=body, headers=self.probe_auth)
        r.raise_for_status()

    def probe_seen(self, seq: int, ts_us: int) -> bool:
        answer = self.explore([self.probe_series], ts_us, ts_us + 1, 1)
        series = answer["series"][0]
        return _has_point(series) and bool(series["values"][0] == seq)

    def query(self, ids: list[str]) -> None:
        """The explorer over the workload's 30 days, 500 points at most."""
        self.explore(ids, self.work.t0_us, self.work.t0_us + self.work.span_us, 500)

    def processes(self) -> dict[int, str]:
        return self.server.processes()

    def close(self) -> None:
        self.http.close()


def _has_point(series: dict[str, Any]) -> bool:
    """Whether an explorer series of one bucket has a value there (the axis holds
    only buckets where some series has data)."""
    return bool(series["values"]) and series["values"][0] is not None


def stored_points(data_dir: Path, start_us: int, end_us: int) -> int:
    """Rows in chDB with a timestamp in [start_us, end_us]; only once the server
    that held the directory has stopped."""
    store = ChdbStore(str(data_dir / "chdb"), "vigil")
    try:
        rows = store.query(
            "SELECT count() FROM vigil.measurements WHERE "
            "ts BETWEEN fromUnixTimestamp64Micro({a:Int64}) "
            "AND fromUnixTimestamp64Micro({b:Int64})",
            {"a": start_us, "b": end_us},
        )
    finally:
        store.close()
    return int(rows.rows[0][0])
