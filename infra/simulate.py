"""A fleet of simulated gateways posting realistic series to a running Vigil."""

from __future__ import annotations

import math
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from domain.isotime import iso_from_timestamp

DEMO_EMAIL = "demo@vigil.local"
DEMO_PASSWORD = "vigil-demo-password"  # noqa: S105 - a local demo account


@dataclass(frozen=True)
class Signal:
    """One channel of a simulated device: a quantity and how its value moves."""

    quantity: str
    base: float
    daily: float  # amplitude of the daily cycle
    noise: float
    spike_chance: float = 0.0
    spike: float = 0.0

    def value(self, t: float, phase: float, rng: random.Random) -> float:
        """The value at time ``t`` (seconds since the epoch)."""
        cycle = math.sin((t / 86_400 + phase) * 2 * math.pi)
        v = self.base + self.daily * cycle + rng.gauss(0, self.noise)
        if self.spike_chance and rng.random() < self.spike_chance:
            v += self.spike
        return round(v, 3)


SIGNALS = (
    Signal("temperature.celsius", 21.0, 3.0, 0.2),
    Signal("vibration.acceleration.rms", 1.3, 0.2, 0.08, spike_chance=0.002, spike=3.5),
    Signal("pressure.hectopascal", 1013.0, 4.0, 0.5),
    Signal("co2.ppm", 550.0, 150.0, 15.0),
)


@dataclass
class SimDevice:
    """A simulated device: its ids and bindings."""

    hardware_id: str
    device_id: str
    bindings: list[tuple[str, Signal]]
    phase: float


class Simulator:
    """Sets up (or reuses) a demo site, devices and bindings, then posts series."""

    def __init__(
        self,
        base_url: str,
        devices: int = 4,
        email: str = DEMO_EMAIL,
        password: str = DEMO_PASSWORD,
        seed: int = 7,
    ) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=30)
        self.n_devices = devices
        self.email, self.password = email, password
        self.rng = random.Random(seed)  # noqa: S311 - simulation, not security
        self.fleet: list[SimDevice] = []
        self.gateway_token = ""
        self.sent = 0
        self.failed = 0

    def _call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.http.request(method, path, headers=headers, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else None

    def setup(self) -> None:
        """Log in (registering the demo account once) and create what is missing."""
        token = self._login()
        site = self._demo_site(token)
        existing = self._existing_devices(token)
        for i in range(self.n_devices):
            hw = f"SIM-{i + 1:03d}"
            name = f"Pump {i + 1}"
            device = existing.get(hw) or self._create_device(
                token, hw, name, site["id"]
            )
            bindings = self._bindings(token, device["id"])
            self.fleet.append(SimDevice(hw, device["id"], bindings, self.rng.random()))
        self.gateway_token = self._call(
            "POST", "/api/v1/ingest/tokens/", token, json={"name": "simulator"}
        )["raw_token"]
        self._demo_streams(token, site["id"])

    def _login(self) -> str:
        """Return an access token, registering the demo account on a first run."""
        creds = {"email": self.email, "password": self.password}
        r = self.http.post("/api/v1/auth/login/", json=creds)
        if r.status_code == 401:
            self._call("POST", "/api/auth/register", json={**creds, "name": "Demo"})
            r = self.http.post("/api/v1/auth/login/", json=creds)
        r.raise_for_status()
        token: str = r.json()["access"]
        return token

    def _demo_site(self, token: str) -> Any:
        """Return the demo site, creating it if missing."""
        sites = self._call(
            "GET", "/api/v1/sites/", token, params={"search": "Demo Plant"}
        )
        if sites["results"]:
            return sites["results"][0]
        return self._call("POST", "/api/v1/sites/", token, json={"name": "Demo Plant"})

    def _existing_devices(self, token: str) -> dict[str, Any]:
        """Return the account's devices by hardware id."""
        devices = self._call("GET", "/api/v1/devices/", token, params={"limit": 1000})
        return {d["hardware_id"]: d for d in devices["results"]}

    def _create_device(self, token: str, hw: str, name: str, site_id: str) -> Any:
        """Create a simulated device on the demo site."""
        return self._call(
            "POST",
            "/api/v1/devices/",
            token,
            json={
                "hardware_id": hw,
                "display_name": name,
                "site_id": site_id,
            },
        )

    def _bindings(self, token: str, device_id: str) -> list[tuple[str, Signal]]:
        """Return a binding per signal of the device, creating those missing."""
        path = f"/api/v1/devices/{device_id}/bindings/"
        bound = {b["channel"]: b for b in self._call("GET", path, token)}
        bindings = []
        for ch, signal in enumerate(SIGNALS):
            b = bound.get(ch) or self._call(
                "POST",
                path,
                token,
                json={"channel": ch, "quantity_slug": signal.quantity},
            )
            bindings.append((b["id"], signal))
        return bindings

    def _demo_streams(self, token: str, site_id: str) -> None:
        """A site-wide vibration rule (the simulated spikes fire it now and then)
        and a Prism field, unless the demo account has them already."""
        rules = self._call("GET", "/api/v1/alerts/rules/", token)["rules"]
        if not any(r["name"] == "Pump vibration high" for r in rules):
            self._call(
                "POST",
                "/api/v1/alerts/rules/",
                token,
                json={
                    "name": "Pump vibration high",
                    "target_type": "site_quantity",
                    "site_id": site_id,
                    "quantity_slug": "vibration.acceleration.rms",
                    "condition": "above",
                    "threshold": 4.0,
                    "hysteresis": 0.5,
                    "severity": "critical",
                },
            )
        fields = self._call("GET", "/api/v1/prism/fields/", token)["fields"]
        if self.fleet and not any(f["name"] == "Pump 1 temperature" for f in fields):
            temperature = self.fleet[0].bindings[0][0]
            self._call(
                "POST",
                "/api/v1/prism/fields/",
                token,
                json={
                    "name": "Pump 1 temperature",
                    "expression": 'to(t, "degF")',
                    "inputs": {"t": temperature},
                },
            )

    def batch(
        self, device: SimDevice, points: int, now: float, step: float
    ) -> list[dict[str, Any]]:
        """``points`` readings per binding, spaced ``step`` seconds, ending now."""
        out = []
        for k in range(points):
            t = now - (points - 1 - k) * step
            stamp = iso_from_timestamp(t)
            for binding_id, signal in device.bindings:
                out.append(
                    {
                        "binding_id": binding_id,
                        "timestamp": stamp,
                        "value": signal.value(t, device.phase, self.rng),
                    }
                )
        return out

    def run(
        self,
        rate: float,
        duration: float | None = None,
        progress: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        """Post about ``rate`` measurements/s across the fleet until told to stop."""
        stop = stop or threading.Event()
        per_tick = max(1.0, rate)  # one tick per second
        points = max(1, round(per_tick / (len(self.fleet) * len(SIGNALS))))
        started = time.monotonic()
        while not stop.is_set():
            tick = time.monotonic()
            for device in self.fleet:
                body = {
                    "hardware_id": device.hardware_id,
                    "measurements": self.batch(device, points, time.time(), 1 / points),
                }
                try:
                    answer = self._call(
                        "POST", "/api/v1/ingest/", self.gateway_token, json=body
                    )
                    self.sent += answer["accepted"]
                except (RuntimeError, httpx.HTTPError):
                    self.failed += 1
            elapsed = time.monotonic() - started
            if progress:
                progress(
                    f"simulate: {self.sent:,} measurements sent "
                    f"({self.sent / max(elapsed, 1e-9):,.0f}/s), "
                    f"{self.failed} failed requests, {len(self.fleet)} devices"
                )
            if duration is not None and elapsed >= duration:
                return
            stop.wait(max(0.0, 1.0 - (time.monotonic() - tick)))


def console_progress(line: str) -> None:
    """Rewrite one status line on a terminal, print lines otherwise."""
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line.ljust(100))
        sys.stderr.flush()
    else:
        print(line, file=sys.stderr, flush=True)


def wait_ready(base_url: str, timeout_s: float = 300) -> None:
    """Block until the platform answers /readyz with 200."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{base_url} did not become ready")
