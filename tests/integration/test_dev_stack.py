"""``vigil dev`` as a user runs it: comes up ready, stops cleanly, starts again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import requests

from infra.broker import free_port
from infra.simulate import Simulator
from mnemos_client import MnemosClient

VIGIL = str(Path(sys.executable).with_name("vigil"))


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_REBALANCE_TIMEOUT_S"] = "1"
    env["VIGIL_AI_WARM"] = "false"  # no AI here: spare the start CPU
    # A file, not a pipe: a pipe nobody reads fills up and blocks the server.
    log = (data_dir / "vigil-dev.log").open("a")
    return subprocess.Popen(
        [VIGIL, "dev", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _wait_ready(port: int, proc: subprocess.Popen[str], timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, _output(proc)
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("vigil dev did not become ready")


def _output(proc: subprocess.Popen[str]) -> str:
    data_dir = Path(proc.args[proc.args.index("--data-dir") + 1])
    return (data_dir / "vigil-dev.log").read_text()


def _interrupt(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    return _output(proc)


def _reference_examples(base: str) -> dict:
    """The reference's examples, as written, against a running server."""
    email, password = "you@example.com", "secret-password"
    r = requests.post(
        f"{base}/api/auth/register",
        json={"email": email, "password": password},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    client = MnemosClient.login(base_url=base, email=email, password=password)
    token_raw = client.tokens.create(hardware_id="SIM-001", name="Dev Token")
    assert token_raw.startswith("gw_")
    device = client.devices.create(hardware_id="SIM-001", display_name="My Sensor")
    binding = client.devices.create_binding(
        device_id=device["id"], channel=0, quantity_slug="temperature.celsius"
    )
    bindings = client.devices.bindings(device_id=device["id"])
    assert [b["quantity"]["slug"] for b in bindings] == ["temperature.celsius"]
    results = client.quantities.list(domain="mechanical")
    assert all(q["phenomenon_class"] == "mechanical" for q in results["results"])
    assert client.quantities.get("temperature.celsius")["si_unit"] == "K"
    r = requests.get(
        f"{base}/api/v1/devices/",
        headers={"Authorization": f"Bearer {client.access}"},
        timeout=30,
    )
    devices = r.json()["results"]
    assert [d["hardware_id"] for d in devices] == ["SIM-001"]
    return {"email": email, "password": password, "device": device, "binding": binding}


def _simulator_feeds_the_explorer(base: str) -> None:
    sim = Simulator(base, devices=2)
    sim.setup()
    sim.run(rate=80, duration=2)
    assert sim.sent >= 80 and sim.failed == 0
    client = MnemosClient.login(base, sim.email, sim.password)
    binding = sim.fleet[0].bindings[0][0]
    for _ in range(50):
        data = client.request(
            "GET",
            "/api/v1/explorer/query/",
            params={"binding_ids": binding, "start": "-5m"},
        )
        if any(v is not None for v in data["series"][0]["values"]):
            break
        time.sleep(0.2)
    assert any(v is not None for v in data["series"][0]["values"])
    assert data["series"][0]["label"] == "Pump 1 / Temperature"
    (field,) = client.request("GET", "/api/v1/prism/fields/")["fields"]
    for _ in range(50):
        derived = client.request(
            "GET", f"/api/v1/prism/{field['id']}/data/", params={"start": "-5m"}
        )
        if derived["points"]:
            break
        time.sleep(0.2)
    assert derived["unit"] == "degF" and derived["points"]
    assert all(55 < p["value"] < 85 for p in derived["points"]), derived  # 13-29 °C


def _alert_reaches_a_live_stream(base: str, made: dict) -> requests.Response:
    """Faust inside ``vigil dev``: a breach becomes an SSE event. The stream is left
    open: shutdown must end it rather than wait for it."""
    client = MnemosClient.login(base, made["email"], made["password"])
    auth = {"Authorization": f"Bearer {client.access}"}
    rule = requests.post(
        f"{base}/api/v1/alerts/rules/",
        json={
            "name": "Hot",
            "binding_id": made["binding"]["id"],
            "condition": "above",
            "threshold": 30,
        },
        headers=auth,
        timeout=30,
    )
    assert rule.status_code == 201, rule.text
    stream = requests.get(
        f"{base}/api/v1/alerts/stream/", headers=auth, stream=True, timeout=60
    )
    lines = stream.iter_lines()
    token = client.tokens.create(hardware_id="SIM-001", name="alerts")
    client.ingest(
        token_raw=token,
        hardware_id="SIM-001",
        measurements=[{"binding_id": made["binding"]["id"], "value": 35.0}],
    )
    while (line := next(lines)) != b"event: alert":
        assert not line.startswith(b"event:"), line
    while not (line := next(lines)).startswith(b"data:"):
        assert line.startswith(b"id: "), line
    assert b'"state":"active"' in line
    return stream


def test_vigil_dev_serves_stops_and_restarts(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(tmp_path, port)
    try:
        assert _wait_ready(port, first)["status"] == "ready"
        r = httpx.get(f"{base}/nope", timeout=5)
        assert r.status_code == 404 and "error" in r.json()
        made = _reference_examples(base)
        stream = _alert_reaches_a_live_stream(base, made)
    finally:
        started = time.monotonic()
        out = _interrupt(first)
    assert time.monotonic() - started < 20, "an open SSE stream held up shutdown"
    stream.close()
    assert first.returncode == 0, out
    assert "platform stopped" in out
    assert "vigil: broker stopped" in out
    assert (tmp_path / "chdb").is_dir()

    second = _start(tmp_path, port)
    try:
        assert _wait_ready(port, second)["checks"]["clickhouse"] == "ok"
        client = MnemosClient.login(base, made["email"], made["password"])
        device = client.devices.get(made["device"]["id"])
        assert device["hardware_id"] == "SIM-001"
        assert device["bindings"][0]["id"] == made["binding"]["id"]
        _simulator_feeds_the_explorer(base)
    finally:
        out = _interrupt(second)
    assert second.returncode == 0, out
