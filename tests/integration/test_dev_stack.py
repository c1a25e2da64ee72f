"""``vigil dev`` as a user runs it: comes up ready, stops cleanly, starts again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from infra.broker import free_port

VIGIL = str(Path(sys.executable).with_name("vigil"))


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_REBALANCE_TIMEOUT_S"] = "1"
    return subprocess.Popen(
        [VIGIL, "dev", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _wait_ready(port: int, proc: subprocess.Popen[str], timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("vigil dev did not become ready")


def _interrupt(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    return out


def test_vigil_dev_serves_stops_and_restarts(tmp_path: Path) -> None:
    port = free_port()
    first = _start(tmp_path, port)
    try:
        assert _wait_ready(port, first)["status"] == "ready"
        r = httpx.get(f"http://127.0.0.1:{port}/nope", timeout=5)
        assert r.status_code == 404 and "error" in r.json()
    finally:
        out = _interrupt(first)
    assert first.returncode == 0, out
    assert "platform stopped" in out
    assert "vigil: broker stopped" in out
    assert (tmp_path / "chdb").is_dir()

    second = _start(tmp_path, port)
    try:
        assert _wait_ready(port, second)["checks"]["clickhouse"] == "ok"
    finally:
        out = _interrupt(second)
    assert second.returncode == 0, out
