"""Canvas benchmark: a public dashboard of 8 panels over 30 days, on ``vigil dev``.

Starts ``vigil dev`` as the README does, ingests 30 days of one-minute readings into
8 series (345,600 points) over HTTP, builds a dashboard with one timeseries panel
per series, shares it, and measures:

- public query latency (``POST /api/v1/canvas/public/<token>/query/``, one series,
  30 days, ``max_points`` 500, as the page asks per panel): p50/p99;
- time to first chart of the public page in headless Chromium (Debian's
  ``chromium`` + ``chromium-driver``): from navigation start until the first uPlot
  canvas of a timeseries panel is drawn, and until all 8 are.

Usage: ``.venv/bin/python bench/bench_canvas.py [--queries 200] [--loads 10]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.devserver import DevServer  # noqa: E402

SERIES, DAYS, STEP_S = 8, 30, 60
SLUG = "vibration.acceleration.rms"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def setup(base: str) -> tuple[str, list[str]]:
    """An account, a device with 8 bindings, 30 days of data, a shared dashboard."""
    http = httpx.Client(base_url=base, timeout=120)
    email = f"canvas-{uuid.uuid4().hex[:8]}@example.com"
    r = http.post("/api/auth/register", json={"email": email, "password": "bench-pw-1"})
    http.headers["Authorization"] = f"Bearer {r.json()['tokens']['access_token']}"
    device = http.post(
        "/api/v1/devices/", json={"hardware_id": "CANVAS-1", "display_name": "Press"}
    ).json()
    bindings = [
        http.post(
            f"/api/v1/devices/{device['id']}/bindings/",
            json={"channel": i, "quantity_slug": SLUG},
        ).json()["id"]
        for i in range(SERIES)
    ]
    token = http.post("/api/v1/ingest/tokens/", json={"name": "gw"}).json()
    ingest(base, token["raw_token"], bindings)
    panels = [
        {
            "type": "timeseries",
            "title": f"Series {i + 1}",
            "binding_ids": [b],
            "layout": {"x": (i % 2) * 6, "y": (i // 2) * 4, "w": 6, "h": 4},
        }
        for i, b in enumerate(bindings)
    ]
    made = http.post("/api/v1/canvas/", json={"name": "Press", "panels": panels}).json()
    share = http.post(f"/api/v1/canvas/{made['id']}/share/", json={}).json()
    return share["token"], bindings


def ingest(base: str, raw_token: str, bindings: list[str]) -> None:
    """30 days of one-minute points per series, 1,000 measurements a request."""
    gw = httpx.Client(
        base_url=base,
        timeout=120,
        headers={"Authorization": f"Bearer {raw_token}"},
    )
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    steps = DAYS * 24 * 3600 // STEP_S
    batch: list[dict[str, Any]] = []
    t = time.perf_counter()
    for step in range(steps):
        at = iso(end - timedelta(seconds=step * STEP_S))
        for i, b in enumerate(bindings):
            batch.append(
                {"binding_id": b, "value": i + (step % 97) / 10, "timestamp": at}
            )
        if len(batch) >= 1000:
            post(gw, batch)
            batch = []
    if batch:
        post(gw, batch)
    points = steps * len(bindings)
    print(f"ingested {points:,} points in {time.perf_counter() - t:.1f}s")


def post(gw: httpx.Client, batch: list[dict[str, Any]]) -> None:
    r = gw.post(
        "/api/v1/ingest/", json={"hardware_id": "CANVAS-1", "measurements": batch}
    )
    r.raise_for_status()


def query_latency(base: str, token: str, bindings: list[str], n: int) -> list[float]:
    """Public query times, one series over 30 days, round robin over the panels."""
    http = httpx.Client(base_url=base, timeout=60)
    end = datetime.now(UTC)
    body = {
        "start": iso(end - timedelta(days=DAYS)),
        "end": iso(end),
        "max_points": 500,
    }
    times = []
    for i in range(n):
        t = time.perf_counter()
        r = http.post(
            f"/api/v1/canvas/public/{token}/query/",
            json={**body, "binding_ids": [bindings[i % len(bindings)]]},
        )
        times.append(time.perf_counter() - t)
        if r.status_code == 429:
            time.sleep(float(r.headers.get("Retry-After", "1")))
        else:
            r.raise_for_status()
    return times


def page_loads(base: str, token: str, n: int) -> list[tuple[float, float]]:
    """(first chart, all charts) seconds of ``n`` fresh loads of the public page."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    charts = '[data-panel-type="timeseries"] canvas'
    out = []
    try:
        for _ in range(n):
            driver.delete_all_cookies()
            t = time.perf_counter()
            driver.get(f"{base}/api/v1/canvas/public/{token}/")
            first = None
            while len(driver.find_elements(By.CSS_SELECTOR, charts)) < SERIES:
                if first is None and driver.find_elements(By.CSS_SELECTOR, charts):
                    first = time.perf_counter() - t
                if time.perf_counter() - t > 60:
                    raise RuntimeError("the public page drew no charts in 60 s")
                time.sleep(0.005)
            done = time.perf_counter() - t
            out.append((first or done, done))
            time.sleep(0.2)
    finally:
        driver.quit()
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--loads", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-canvas-") as tmp:
        dev = DevServer(
            Path(tmp),
            env={"VIGIL_SMTP_PORT": "0", "VIGIL_CANVAS_PUBLIC_BURST": "100000"},
        )
        print(f"vigil dev ready in {dev.start():.1f}s")
        try:
            token, bindings = setup(dev.base)
            time.sleep(2)  # the last batches reach ClickHouse
            q = query_latency(dev.base, token, bindings, args.queries)
            print(
                f"public query, 1 series, 30 days -> 500 points: p50 "
                f"{pct(q, 0.5) * 1000:.1f} ms, p99 {pct(q, 0.99) * 1000:.1f} ms "
                f"(n={len(q)}, mean {statistics.mean(q) * 1000:.1f} ms)"
            )
            loads = page_loads(dev.base, token, args.loads)
            first = [f for f, _ in loads]
            done = [d for _, d in loads]
            print(
                f"public page, 8 panels: first chart p50 {pct(first, 0.5) * 1000:.0f} "
                f"ms (max {max(first) * 1000:.0f}); all 8 charts p50 "
                f"{pct(done, 0.5) * 1000:.0f} ms (max {max(done) * 1000:.0f})"
            )
        finally:
            dev.stop()


if __name__ == "__main__":
    main()
