"""AI benchmark on ``vigil dev``: NLQ latency and Argus time to first token.

Starts ``vigil dev`` as the README does (the offline model ``vigil/offline``), makes a
device with a temperature series holding a day of readings, then measures over HTTP:

- ``POST /api/v1/ai/nlq/``: p50/p99 over a rotation of questions of the grammar;
- ``POST /api/v1/ai/argus/message/``: time to the first ``token`` event and to
  ``done`` (a data question answered through NLQ, and a dashboard built).

NLQ accuracy is ``bench/nlq_eval/run.py``; memory search at 100,000 memories is
``bench/bench_memory.py`` (both print and record their own figures).

Usage: ``.venv/bin/python bench/bench_ai.py [--nlq 100] [--argus 20]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.devserver import DevServer  # noqa: E402

QUESTIONS = (
    "What was the average temperature of Press 1 in the last hour?",
    "What was the peak temperature of Press 1 today?",
    "Show the temperature trend of Press 1 in the last 24 hours",
    "What was the minimum temperature of Press 1 yesterday?",
    "How many alerts were there this week?",
)
ARGUS = (
    "What was the average temperature of Press 1 in the last hour?",
    "Build me a dashboard for press monitoring",
)


def setup(base: str) -> httpx.Client:
    """An account with a device holding 24 h of one-minute temperatures."""
    http = httpx.Client(base_url=base, timeout=60)
    email = f"ai-{uuid.uuid4().hex[:8]}@example.com"
    r = http.post("/api/auth/register", json={"email": email, "password": "bench-pw-1"})
    http.headers["Authorization"] = f"Bearer {r.json()['tokens']['access_token']}"
    device = http.post(
        "/api/v1/devices/", json={"hardware_id": "AI-1", "display_name": "Press 1"}
    ).json()
    binding = http.post(
        f"/api/v1/devices/{device['id']}/bindings/",
        json={"channel": 0, "quantity_slug": "temperature.celsius"},
    ).json()["id"]
    raw = http.post("/api/v1/ingest/tokens/", json={"name": "gw"}).json()["raw_token"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    points = [
        {
            "binding_id": binding,
            "value": 20 + (i % 60) / 10,
            "timestamp": (now - timedelta(minutes=i))
            .isoformat()
            .replace("+00:00", "Z"),
        }
        for i in range(24 * 60)
    ]
    gw = {"Authorization": f"Bearer {raw}"}
    for start in range(0, len(points), 1000):
        body = {"hardware_id": "AI-1", "measurements": points[start : start + 1000]}
        httpx.post(f"{base}/api/v1/ingest/", json=body, headers=gw, timeout=60)
    time.sleep(2)
    return http


def nlq(http: httpx.Client, n: int) -> list[float]:
    times = []
    for i in range(n):
        t = time.perf_counter()
        r = http.post(
            "/api/v1/ai/nlq/", json={"question": QUESTIONS[i % len(QUESTIONS)]}
        )
        r.raise_for_status()
        times.append(time.perf_counter() - t)
    return times


def argus(http: httpx.Client, n: int) -> list[tuple[float, float]]:
    """(first token, done) seconds of ``n`` turns."""
    out = []
    for i in range(n):
        t = time.perf_counter()
        first = None
        body = {"message": ARGUS[i % len(ARGUS)]}
        with http.stream("POST", "/api/v1/ai/argus/message/", json=body) as r:
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                if event["event"] == "token" and first is None:
                    first = time.perf_counter() - t
                if event["event"] == "done":
                    break
        done = time.perf_counter() - t
        out.append((first or done, done))
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 0.5) * 1000:.0f} ms, p99 {pct(values, 0.99) * 1000:.0f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nlq", type=int, default=100)
    ap.add_argument("--argus", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-ai-") as tmp:
        dev = DevServer(Path(tmp), env={"VIGIL_SMTP_PORT": "0"})
        print(f"vigil dev ready in {dev.start():.1f}s")
        try:
            http = setup(dev.base)
            nlq(http, 3)  # warm: litellm's first import in this process
            print(f"NLQ over HTTP ({args.nlq} questions): {ms(nlq(http, args.nlq))}")
            turns = argus(http, args.argus)
            print(
                f"Argus ({args.argus} turns): first token {ms([f for f, _ in turns])}; "
                f"done {ms([d for _, d in turns])}"
            )
        finally:
            dev.stop()


if __name__ == "__main__":
    main()
