"""Idle cost: the CPU an idle ``vigil dev`` takes, per process, with no request and
no live stream, then with one live alert stream (SSE) open.

Tansu holds a fetch for its whole ``fetch_max_wait_ms`` even when data arrives, so
every consumer that must react quickly asks every few milliseconds; quiet consumers
ask every ``VIGIL_FETCH_IDLE_WAIT_MS`` (100) instead (``infra.consumer.Pace``). The
baseline, measured in the same run: ``VIGIL_FETCH_IDLE_WAIT_MS=0``, every consumer
at its short wait all the time (how ``vigil dev`` ran before).

Usage: ``.venv/bin/python bench/idle.py [--seconds 20] [--no-record]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.devserver import DevServer, cpu_seconds  # noqa: E402
from bench.results import record  # noqa: E402

ENV = {"VIGIL_AI_WARM": "false", "VIGIL_BROKER_PORT": "0"}


def cpu_over(pids: dict[int, str], seconds: float) -> dict[str, float]:
    """Cores each process used over ``seconds``."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    time.sleep(seconds)
    return {
        name: (cpu_seconds(pid) - before[pid]) / seconds for pid, name in pids.items()
    }


def register(base: str) -> dict[str, str]:
    r = httpx.post(
        f"{base}/api/auth/register",
        json={"email": "idle@example.com", "password": "correct-horse"},
        timeout=30,
    )
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}


def stream(base: str, auth: dict[str, str], stop: threading.Event) -> None:
    """Hold one live alert stream open until ``stop`` (or the server goes)."""
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(5, read=None)) as client,
            client.stream("GET", f"{base}/api/v1/alerts/stream/", headers=auth) as r,
        ):
            for _ in r.iter_lines():
                if stop.is_set():
                    return
    except httpx.HTTPError:
        return


def lines(title: str, cores: dict[str, float]) -> list[str]:
    parts = ", ".join(f"{name} {c:.3f}" for name, c in sorted(cores.items()))
    return [f"- {title}: {sum(cores.values()):.3f} cores in all ({parts})"]


def measure(idle_wait_ms: int | None, seconds: float) -> list[dict[str, float]]:
    """Cores per process of an idle ``vigil dev``: no stream, then one stream."""
    env = dict(ENV)
    if idle_wait_ms is not None:
        env["VIGIL_FETCH_IDLE_WAIT_MS"] = str(idle_wait_ms)
    with tempfile.TemporaryDirectory() as tmp:
        server = DevServer(Path(tmp), env, own_group=True)
        print(f"starting vigil dev ({env}) ...", flush=True)
        server.start()
        try:
            auth = register(server.base)
            time.sleep(8)  # the registration's activity is over (Pace lingers 5 s)
            idle = cpu_over(server.processes(), seconds)
            stop = threading.Event()
            reader = threading.Thread(
                target=stream, args=(server.base, auth, stop), daemon=True
            )
            reader.start()
            time.sleep(2)
            live = cpu_over(server.processes(), seconds)
            stop.set()
        finally:
            server.kill_group(broker=True)
    return [idle, live]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    idle, live = measure(None, args.seconds)
    base_idle, base_live = measure(0, args.seconds)
    out = [
        *lines("`vigil dev` idle, no stream open", idle),
        *lines("`vigil dev` idle, one live alert stream open", live),
        *lines("Baseline (VIGIL_FETCH_IDLE_WAIT_MS=0), no stream open", base_idle),
        *lines("Baseline, one live alert stream open", base_live),
        f"- Ratio idle / baseline, no stream: "
        f"{sum(idle.values()) / sum(base_idle.values()):.2f}x; one stream: "
        f"{sum(live.values()) / sum(base_live.values()):.2f}x",
    ]
    print("\n".join(out))
    if not args.no_record:
        record("idle", "\n".join(out))


if __name__ == "__main__":
    main()
