"""A Vigil deployment as separate processes on the session broker: ``vigil api``
(projectors, SSE, no Faust) and ``vigil worker`` (Faust agents), which a test may
kill and restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import requests
import sseclient

from infra.broker import TansuBroker, free_port

VIGIL = str(Path(sys.executable).with_name("vigil"))


def _env(broker: TansuBroker, tag: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_KAFKA_BOOTSTRAP=broker.bootstrap,
        VIGIL_TOPIC_PREFIX=f"s{tag}.",
        VIGIL_CONSUMER_GROUP_PREFIX=f"s{tag}",
        VIGIL_REBALANCE_TIMEOUT_S="1",
        VIGIL_PROJECTION_FLUSH_MS="50",
        VIGIL_ALERT_TICK_S="0.25",
        VIGIL_SSE_HEARTBEAT_S="1",
        VIGIL_AUTH_RATE_LIMIT_BURST="10000",
        VIGIL_JWT_SECRET=f"stack-secret-{tag}-0123456789abcdef",
        VIGIL_SMTP_PORT="0",
        VIGIL_WATCHER_CLOCK_S="0.5",
        VIGIL_WEBHOOK_ALLOW_HOSTS="127.0.0.1",
        VIGIL_AI_WARM="false",  # loaded on first use by the tests that need it
        **extra,
    )
    return env


@dataclass
class Stack:
    """The API and worker processes of one deployment."""

    broker: TansuBroker
    root: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    port: int = field(default_factory=free_port)
    api: subprocess.Popen[str] | None = None
    worker: subprocess.Popen[str] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, role: str, *args: str, **env: str) -> subprocess.Popen[str]:
        data = self.root / role
        data.mkdir(parents=True, exist_ok=True)
        log = (self.root / f"{role}.log").open("a")  # a file: a full pipe blocks
        return subprocess.Popen(
            [VIGIL, role, "--data-dir", str(data), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=_env(self.broker, self.tag, **env),
        )

    def start_api(self) -> None:
        self.api = self._spawn(
            "api", "--port", str(self.port), VIGIL_FAUST_ENABLED="false"
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.api.poll() is None, self.log("api")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("vigil api did not become ready:\n" + self.log("api"))

    def start_worker(self) -> None:
        self.worker = self._spawn(
            "worker", VIGIL_PROJECTORS_ENABLED="false", VIGIL_FAUST_ENABLED="true"
        )
        deadline = time.monotonic() + 90
        while "worker running" not in self.log("worker"):
            assert self.worker.poll() is None, self.log("worker")
            assert time.monotonic() < deadline, self.log("worker")
            time.sleep(0.2)

    @property
    def smtp_port(self) -> int:
        """The worker's SMTP inbox port (it picks a free one)."""
        return int((self.root / "worker" / "smtp.port").read_text())

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=30)

    def stop(self) -> None:
        for proc in (self.worker, self.api):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def log(self, role: str) -> str:
        path = self.root / f"{role}.log"
        return path.read_text() if path.exists() else ""

    def diagnose(self, lines: int = 60) -> str:
        """Whether each process runs, and the end of its log (for a failure)."""
        parts = []
        for role, proc in (("api", self.api), ("worker", self.worker)):
            state = "absent" if proc is None else f"returncode={proc.poll()}"
            tail = "\n".join(self.log(role).splitlines()[-lines:])
            parts.append(f"--- {role} ({state}) ---\n{tail}")
        return "\n".join(parts)


def at(seconds_from_now: float = 0.0) -> str:
    """An ISO timestamp relative to now."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Org:
    """A registered user with a device, and the calls the tests make."""

    base: str
    token: str
    gateway: str = ""
    hardware_id: str = ""

    @classmethod
    def register(cls, base: str) -> Org:
        email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
        r = requests.post(
            f"{base}/api/auth/register",
            json={"email": email, "password": "correct-horse"},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        return cls(base, r.json()["tokens"]["access_token"])

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.base}{path}", headers=self.auth, timeout=30, **kwargs
        )

    def device(self, name: str, *slugs: str) -> tuple[str, list[str]]:
        """A device with one binding per quantity slug (and a gateway token)."""
        hw = f"HW-{uuid.uuid4().hex[:8]}"
        dev = self.call(
            "POST", "/api/v1/devices/", json={"hardware_id": hw, "display_name": name}
        )
        assert dev.status_code == 201, dev.text
        ids = []
        for channel, slug in enumerate(slugs):
            b = self.call(
                "POST",
                f"/api/v1/devices/{dev.json()['id']}/bindings/",
                json={"channel": channel, "quantity_slug": slug},
            )
            assert b.status_code == 201, b.text
            ids.append(b.json()["id"])
        token = self.call("POST", "/api/v1/ingest/tokens/", json={"name": "gw"})
        self.gateway = token.json()["raw_token"]
        self.hardware_id = hw
        return dev.json()["id"], ids

    def post(self, binding_id: str, value: float, when: str | None = None) -> None:
        """Ingest one measurement for the last device made."""
        r = requests.post(
            f"{self.base}/api/v1/ingest/",
            headers={"Authorization": f"Bearer {self.gateway}"},
            json={
                "hardware_id": self.hardware_id,
                "measurements": [
                    {
                        "binding_id": binding_id,
                        "value": value,
                        "timestamp": when or at(),
                    }
                ],
            },
            timeout=30,
        )
        assert r.status_code == 202, r.text

    def rule(self, **body: Any) -> str:
        r = self.call("POST", "/api/v1/alerts/rules/", json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


class Listener:
    """An SSE client on a thread (the reference's ``sseclient`` + ``requests``)."""

    def __init__(
        self,
        org: Org,
        last_id: str | None = None,
        on_alert: Callable[[dict[str, Any]], None] | None = None,
        **params: str,
    ) -> None:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        self.url = f"{org.base}/api/v1/alerts/stream/" + (f"?{query}" if query else "")
        self.headers = dict(org.auth)
        self.last_id = last_id
        self.on_alert = on_alert  # called on the stream's thread, on arrival
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.connected = threading.Event()
        self.stopped = False
        self._client: Any = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.connected.wait(30), "SSE stream did not connect"

    def _run(self) -> None:
        import json

        client = sseclient.SSEClient(
            self.url, last_id=self.last_id, headers=self.headers, timeout=(5, 30)
        )
        self._client = client
        self.connected.set()
        for event in client:
            if self.stopped:
                break
            if event.event == "alert":
                data = json.loads(event.data)
                if self.on_alert is not None:
                    self.on_alert(data)
                self.events.append((event.id, data))

    def wait(
        self, count: int, timeout: float = 30.0, stack: Stack | None = None
    ) -> list[dict[str, Any]]:
        """Block until ``count`` alert events arrived; return them (on a timeout,
        the failure shows the processes' logs when ``stack`` is given)."""
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.events) >= count, f"got {self.events}\n" + (
            stack.diagnose() if stack is not None else ""
        )
        return [data for _, data in self.events]

    def close(self) -> None:
        self.stopped = True
        if self._client is not None:
            self._client.resp.close()


def poll(check: Any, timeout: float = 30.0) -> Any:
    """Call ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def stack_for(broker: TansuBroker, root: Path) -> Iterator[Stack]:
    """Start API and worker; stop both afterwards."""
    stack = Stack(broker, root)
    try:
        stack.start_api()
        stack.start_worker()
        yield stack
    finally:
        stack.stop()
