"""Watchers benchmark: mails through inbox → thread → agent action, on ``vigil dev``.

Starts ``vigil dev`` as the README does, creates watchers on the offline model,
sends mails over real SMTP (several sender threads), and measures:

- throughput: mails/s accepted by the inbox (250) and mails/s that became an
  ``email_received`` action readable through the API;
- latency: mail sent → its action readable (p50/p99), from a probe mail sent
  every ``--probe-interval`` seconds while the load runs (the probe polls
  ``GET /actions``, so its figure includes the read's own time);
- the CPU time and memory of every process of ``vigil dev``.

Usage: ``.venv/bin/python bench/bench_watchers.py [--mails 2000] [--senders 4]``
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.devserver import DevServer, cpu_seconds  # noqa: E402
from infra.broker import free_port  # noqa: E402


def message(to: str, i: int, tag: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Vendor {i % 17} <vendor{i % 17}@acme.example>"
    msg["To"] = to
    msg["Subject"] = f"Invoice #{i} for order {i % 50}"
    msg["Message-ID"] = f"<{tag}-{i}@acme.example>"
    msg.set_content(f"Invoice #{i}: ${100 + i % 900} due March {1 + i % 28}.")
    return msg


class Client:
    """The API calls the benchmark makes, as a registered user."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        r = self.http.post(
            "/api/auth/register", json={"email": email, "password": "bench-pass-1"}
        )
        r.raise_for_status()
        token = r.json()["tokens"]["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def watcher(self, name: str) -> dict[str, Any]:
        r = self.http.post(
            "/api/watchers",
            json={
                "name": name,
                "system_prompt": "Alert me about anything urgent.",
                "model": "vigil/offline",
                "silence_hours": 1000,
                "tick_interval": 100000,
            },
        )
        r.raise_for_status()
        return r.json()["watcher"]  # type: ignore[no-any-return]

    def get(self, path: str) -> httpx.Response:
        """GET, once more if the server closed an idle keep-alive connection."""
        try:
            return self.http.get(path)
        except httpx.RemoteProtocolError:
            return self.http.get(path)

    def email_actions(self, watcher_id: str) -> int:
        r = self.get("/api/usage")
        r.raise_for_status()
        rows = r.json()["usage"]["watchers"]
        return sum(w["emails"] for w in rows if w["watcher_id"] == watcher_id)

    def has_action_for(self, watcher_id: str) -> bool:
        r = self.get(f"/api/watchers/{watcher_id}/actions?limit=5")
        return bool(r.json()["actions"])


def send_all(port: int, mails: list[EmailMessage], senders: int) -> float:
    """Send every mail over SMTP (one connection per sender); the seconds taken."""
    chunks = [mails[i::senders] for i in range(senders)]

    def run(chunk: list[EmailMessage]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for msg in chunk:
                smtp.send_message(msg)

    t = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        list(pool.map(run, chunks))
    return time.perf_counter() - t


def probe(
    client: Client, port: int, stop: threading.Event, interval: float
) -> list[float]:
    """Mail → readable action latency, one fresh watcher per probe mail."""
    latencies = []
    i = 0
    while True:
        w = client.watcher(f"probe {i}")
        t = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            smtp.send_message(message(w["ingestion_address"], i, "probe"))
        while not client.has_action_for(w["id"]):
            time.sleep(0.01)
        latencies.append(time.perf_counter() - t)
        i += 1
        if stop.wait(interval):
            return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mails", type=int, default=2000)
    ap.add_argument("--senders", type=int, default=4)
    ap.add_argument("--watchers", type=int, default=20)
    ap.add_argument("--probe-interval", type=float, default=0.5)
    args = ap.parse_args()
    smtp_port = free_port()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-watchers-") as tmp:
        dev = DevServer(Path(tmp), env={"VIGIL_SMTP_PORT": str(smtp_port)})
        print(f"vigil dev ready in {dev.start():.1f}s")
        try:
            run(dev, smtp_port, args)
        finally:
            dev.stop()


def run(dev: DevServer, port: int, args: argparse.Namespace) -> None:
    client = Client(dev.base)
    watchers = [client.watcher(f"load {i}") for i in range(args.watchers)]
    mails = [
        message(watchers[i % len(watchers)]["ingestion_address"], i, "load")
        for i in range(args.mails)
    ]
    idle = probe_once(client, port)
    cpu0 = {pid: cpu_seconds(pid) for pid in dev.processes()}
    stop = threading.Event()
    latencies: list[float] = []
    prober = threading.Thread(
        target=lambda: latencies.extend(probe(client, port, stop, args.probe_interval))
    )
    prober.start()
    t0 = time.perf_counter()
    sent_s = send_all(port, mails, args.senders)
    while sum(client.email_actions(w["id"]) for w in watchers) < args.mails:
        time.sleep(0.2)
    done_s = time.perf_counter() - t0
    stop.set()
    prober.join()
    cpu = {
        name: cpu_seconds(pid) - cpu0.get(pid, 0.0)
        for pid, name in dev.processes().items()
    }
    print(f"\nmails: {args.mails} to {args.watchers} watchers, {args.senders} senders")
    print(f"inbox accepted:      {args.mails / sent_s:8.1f} mails/s")
    print(f"became actions:      {args.mails / done_s:8.1f} mails/s")
    print(f"idle mail -> action: {idle * 1000:8.0f} ms")
    if latencies:
        print(
            f"under load, mail -> action: p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
            f"p99 {pct(latencies, 0.99) * 1000:.0f} ms "
            f"(n={len(latencies)}, mean {statistics.mean(latencies) * 1000:.0f} ms)"
        )
    print(f"memory: {dev.rss_mib():.0f} MiB")
    for name, seconds in sorted(cpu.items()):
        print(f"cpu {name}: {seconds:.1f}s ({seconds / done_s:.2f} cores)")


def probe_once(client: Client, port: int) -> float:
    """Latency of one mail with nothing else running."""
    stop = threading.Event()
    stop.set()
    return probe(client, port, stop, 0)[0]


if __name__ == "__main__":
    main()
