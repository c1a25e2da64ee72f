"""Data for the browser tests, created through the public API of a running server:
an account, sites, devices with bindings, a gateway token and measurement history."""

from __future__ import annotations

import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


@dataclass
class Fleet:
    """What was created: ids by name, for the tests to look for."""

    sites: dict[str, str] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, str] = field(default_factory=dict)  # "Pump 1/temperature"
    hardware: dict[str, str] = field(default_factory=dict)


class Api:
    """A signed-in API client (Bearer access token) of one fresh account."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.base = base
        self.email = email
        self.password = password
        # A connection per request: the server closes idle keep-alive connections
        # after 2 s, and a request sent on one as it closes is lost.
        no_reuse = httpx.Limits(max_keepalive_connections=0)
        self.http = httpx.Client(base_url=base, timeout=60, limits=no_reuse)
        r = self.http.post(
            "/api/auth/register",
            json={"email": email, "password": password, "name": "Ada Operator"},
        )
        assert r.status_code == 201, r.text
        token = r.json()["tokens"]["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.gateway = ""

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.http.post(path, json=body)
        assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
        answer: dict[str, Any] = r.json()
        return answer

    def get(self, path: str) -> Any:
        r = self.http.get(path)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
        return r.json()

    def site(self, name: str) -> str:
        return str(self.post("/api/v1/sites/", {"name": name})["id"])

    def device(self, name: str, site_id: str | None = None) -> tuple[str, str]:
        hardware_id = f"SN-{uuid.uuid4().hex[:8].upper()}"
        body: dict[str, Any] = {"hardware_id": hardware_id, "display_name": name}
        if site_id:
            body["site_id"] = site_id
        return str(self.post("/api/v1/devices/", body)["id"]), hardware_id

    def binding(self, device_id: str, channel: int, slug: str) -> str:
        body = {"channel": channel, "quantity_slug": slug}
        return str(self.post(f"/api/v1/devices/{device_id}/bindings/", body)["id"])

    def ingest(self, hardware_id: str, points: list[dict[str, Any]]) -> None:
        """Post measurements with the org's gateway token (made on first use)."""
        if not self.gateway:
            made = self.post("/api/v1/ingest/tokens/", {"name": "Browser tests"})
            self.gateway = made["raw_token"]
        r = httpx.post(
            f"{self.base}/api/v1/ingest/",
            json={"hardware_id": hardware_id, "measurements": points},
            headers={"Authorization": f"Bearer {self.gateway}"},
            timeout=60,
        )
        assert r.status_code == 202, r.text
        assert r.json()["rejected"] == 0, r.text

    def rule(self, name: str, binding_id: str, threshold: float) -> str:
        body = {
            "name": name,
            "binding_id": binding_id,
            "condition": "above",
            "threshold": threshold,
            "severity": "critical",
        }
        return str(self.post("/api/v1/alerts/rules/", body)["id"])


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


SIGNALS = {
    "temperature": ("temperature.celsius", 21.0, 3.0),
    "vibration": ("vibration.acceleration.rms", 1.2, 0.35),
    "pressure": ("pressure.bar", 4.1, 0.25),
    "co2": ("co2.ppm", 620.0, 140.0),
    "humidity": ("humidity.relative.percent", 46.0, 6.0),
}
FLEET = (
    ("Pump station 3", "Pump 1", ("temperature", "vibration")),
    ("Pump station 3", "Pump 2", ("temperature", "vibration")),
    ("Pump station 3", "Boiler feed", ("pressure", "temperature")),
    ("Building A", "Floor 2 climate", ("co2", "temperature", "humidity")),
)


def history(
    binding_id: str, signal: str, hours: float, step_s: int, seed: int
) -> list[dict[str, Any]]:
    """A day-shaped series with noise, ending now."""
    _, mean, swing = SIGNALS[signal]
    rng = random.Random(seed)  # noqa: S311 - test data
    now = datetime.now(UTC)
    count = int(hours * 3600 / step_s)
    points = []
    for i in range(count, -1, -1):
        at = now - timedelta(seconds=i * step_s)
        phase = (at.timestamp() / 86400 + seed / 7) * 2 * math.pi
        value = mean + swing * math.sin(phase) + rng.gauss(0, swing / 8)
        points.append(
            {"binding_id": binding_id, "value": round(value, 3), "timestamp": iso(at)}
        )
    return points


def seed_fleet(api: Api, hours: float = 24, step_s: int = 300) -> Fleet:
    """Sites, devices and bindings as in FLEET, each binding with ``hours`` of history."""
    fleet = Fleet()
    for n, (site, name, signals) in enumerate(FLEET):
        if site not in fleet.sites:
            fleet.sites[site] = api.site(site)
        device_id, hardware_id = api.device(name, fleet.sites[site])
        fleet.devices[name], fleet.hardware[name] = device_id, hardware_id
        points: list[dict[str, Any]] = []
        for channel, signal in enumerate(signals):
            binding_id = api.binding(device_id, channel, SIGNALS[signal][0])
            fleet.bindings[f"{name}/{signal}"] = binding_id
            points += history(binding_id, signal, hours, step_s, n * 10 + channel)
        api.ingest(hardware_id, points)
    spare, spare_hw = api.device("Spare gateway")
    fleet.devices["Spare gateway"], fleet.hardware["Spare gateway"] = spare, spare_hw
    return fleet


def wait_for(check: Any, timeout_s: float = 30.0, every_s: float = 0.5) -> Any:
    """Poll ``check()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every_s)
