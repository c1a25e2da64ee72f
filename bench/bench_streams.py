"""Streams benchmark: alert latency over SSE, SSE fan-out, Prism throughput.

Alerts are measured against ``vigil dev`` started exactly as a user starts it (a
subprocess with its embedded Tansu broker, gunicorn on a real socket), driven over
HTTP by httpx from this process; Prism is measured in process. Prints:
- alert latency: measurement POSTed -> its SSE ``alert`` event received, one client,
  a rule ``above 4.0`` fed 5.0 and 3.0 in turn (each post is one transition), p50,
  p90, p99 and max against a p99 target of 250 ms (each post waits for the previous
  event, so posts fall in step with the consumers' fetch cycles; a second series
  pauses a random 0-1.5 s before each post); baseline: the POST /api/v1/ingest/
  round trip alone, on a binding without a rule;
- SSE fan-out: 1,000 idle streams (server RSS of the whole ``vigil dev`` process tree
  before and after -> memory per connection), then alerts delivered to all of them:
  p50/p99 over every (client, alert) pair and the fraction delivered; baseline: the
  same delivery to the single client above;
- Prism: derived points/s through Kafka + Faust (router, evaluator, derived topic)
  for a one-input field (``2 * v``) and a two-input field (``a * b``, inputs on two
  devices, aligned per 1 ms); baseline: ``streams.prism.alignment.evaluate`` of the same
  field on the same points, without Kafka or Faust. Both fields are fed batches of
  1,000 points per device.

Usage: .venv/bin/python bench/bench_streams.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import falcon.testing  # noqa: E402
import httpx  # noqa: E402
import orjson  # noqa: E402

from bench.devserver import DevServer  # noqa: E402
from bench.results import peak_rss_mib, percentile, record  # noqa: E402
from infra.broker import TansuBroker  # noqa: E402
from infra.settings import Settings  # noqa: E402

SLUG = "vibration.acceleration.rms"
TARGET_P99_S = 0.250
EVENT_TIMEOUT_S = 5.0
FANOUT_TIMEOUT_S = 10.0
DEV_ENV = {
    "VIGIL_REBALANCE_TIMEOUT_S": "1",
    "VIGIL_AUTH_RATE_LIMIT_BURST": "100000",
    "VIGIL_RATE_LIMIT_BURST": "1000000",
    "VIGIL_RATE_LIMIT_PER_S": "1000000",
    "VIGIL_INGEST_RATE_LIMIT_PER_S": "100000",
    "VIGIL_INGEST_RATE_LIMIT_BURST": "100000",
}


def ms(values: list[float], *qs: int) -> str:
    qs = qs or (50, 99)
    return ", ".join(f"p{q} {percentile(values, q) * 1000:.1f} ms" for q in qs)


# -- SSE clients -----------------------------------------------------------------


class Tracker:
    """What every SSE client received: alert offsets, their states, counts."""

    def __init__(self) -> None:
        self.states: dict[int, str] = {}
        self.counts: Counter[int] = Counter()
        self.changed = asyncio.Event()

    def saw(self, offset: int, state: str) -> None:
        self.states[offset] = state
        self.counts[offset] += 1
        self.changed.set()

    async def until(self, check: Callable[[], Any], timeout_s: float) -> Any:
        """Wait until ``check()`` returns something other than None or False; its
        value, or None on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            self.changed.clear()
            found = check()
            if found is not None and found is not False:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    def next_offset(self, after: int, state: str) -> int | None:
        later = [o for o, s in self.states.items() if o > after and s == state]
        return min(later) if later else None


class SseClient:
    """One streaming GET of /api/v1/alerts/stream/, parsed line by line."""

    def __init__(self, http: httpx.AsyncClient, url: str, auth: dict, t: Tracker):
        self.http, self.url, self.auth, self.tracker = http, url, auth, t
        self.received: dict[int, float] = {}  # offset -> perf_counter at receipt
        self.connected = asyncio.Event()
        self.error: str | None = None
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async with self.http.stream("GET", self.url, headers=self.auth) as r:
                if r.status_code != 200:
                    self.error = f"HTTP {r.status_code}"
                    return
                kind, offset, data = None, None, None
                async for line in r.aiter_lines():
                    if line.startswith(":"):
                        self.connected.set()  # ": connected", then ": ping"s
                    elif line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("id:"):
                        offset = int(line[3:])
                    elif line.startswith("data:"):
                        data = line[5:]
                    elif line == "":
                        if kind == "alert" and offset is not None and data:
                            self.received[offset] = time.perf_counter()
                            self.tracker.saw(offset, orjson.loads(data)["state"])
                        kind, offset, data = None, None, None
                self.error = "stream ended"
        except asyncio.CancelledError:
            raise
        except Exception as ex:  # noqa: BLE001 - reported, not fatal
            self.error = f"{type(ex).__name__}: {ex}"
        finally:
            self.connected.set()

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


# -- alerts against vigil dev ----------------------------------------------------


class AlertBench:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(base_url=base, timeout=30)
        self.tracker = Tracker()
        self.last_offset = -1
        self.breached = False  # the rule's current state

    async def setup(self) -> None:
        r = await self.http.post(
            "/api/auth/register",
            json={
                "email": f"b-{uuid.uuid4().hex[:8]}@example.com",
                "password": "bench-pass",
            },
        )
        assert r.status_code == 201, r.text
        self.auth = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
        self.hw = "BENCH-SSE"
        dev = await self.http.post(
            "/api/v1/devices/",
            json={"hardware_id": self.hw, "display_name": "Bench"},
            headers=self.auth,
        )
        assert dev.status_code == 201, dev.text
        bindings = []
        for ch in (0, 1):
            b = await self.http.post(
                f"/api/v1/devices/{dev.json()['id']}/bindings/",
                json={"channel": ch, "quantity_slug": SLUG},
                headers=self.auth,
            )
            assert b.status_code == 201, b.text
            bindings.append(b.json()["id"])
        self.binding, self.plain = bindings  # plain: no rule on it
        tok = await self.http.post(
            "/api/v1/ingest/tokens/", json={"name": "gw"}, headers=self.auth
        )
        self.gw = {"Authorization": f"Bearer {tok.json()['raw_token']}"}
        rule = await self.http.post(
            "/api/v1/alerts/rules/",
            json={
                "name": "Vibration high",
                "binding_id": self.binding,
                "condition": "above",
                "threshold": 4.0,
                "severity": "critical",
            },
            headers=self.auth,
        )
        assert rule.status_code == 201, rule.text

    async def post(self, binding: str, value: float) -> float:
        t = time.perf_counter()
        r = await self.http.post(
            "/api/v1/ingest/",
            json={
                "hardware_id": self.hw,
                "measurements": [{"binding_id": binding, "value": value}],
            },
            headers=self.gw,
        )
        assert r.status_code == 202, r.text
        return time.perf_counter() - t

    async def fire(self, timeout_s: float) -> tuple[float, int | None]:
        """Post the value that flips the rule; (time before the POST, the offset of
        its transition or None if no client saw it within the timeout)."""
        state = "resolved" if self.breached else "active"
        value = 3.0 if self.breached else 5.0
        t0 = time.perf_counter()
        await self.post(self.binding, value)
        self.breached = not self.breached
        offset = await self.tracker.until(
            lambda: self.tracker.next_offset(self.last_offset, state), timeout_s
        )
        if offset is not None:
            self.last_offset = offset
        return t0, offset

    async def warm_up(self, timeout_s: float = 120.0) -> float:
        """Post breaching values until the alert arrives (the Faust agents are
        assigned), then resolve it."""
        t = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        while True:
            await self.post(self.binding, 5.0)
            got = await self.tracker.until(
                lambda: self.tracker.next_offset(-1, "active"), 1.0
            )
            if got is not None:
                self.last_offset = got
                self.breached = True
                break
            if time.monotonic() > deadline:
                raise RuntimeError("no alert arrived: Faust agents never assigned?")
        _, resolved = await self.fire(30.0)
        assert resolved is not None, "warm-up alert never resolved"
        return time.perf_counter() - t

    def stream(self, http: httpx.AsyncClient) -> SseClient:
        return SseClient(http, "/api/v1/alerts/stream/", self.auth, self.tracker)


async def alert_latency(ab: AlertBench, client: SseClient, n: int) -> dict[str, Any]:
    latencies, timeouts = [], 0
    for _ in range(n):
        t0, offset = await ab.fire(EVENT_TIMEOUT_S)
        if offset is None:
            timeouts += 1
            continue
        latencies.append(client.received[offset] - t0)
    baseline = [await ab.post(ab.plain, 1.0) for _ in range(n)]
    return {"lat": latencies, "timeouts": timeouts, "ingest": baseline}


async def spaced_latency(
    ab: AlertBench, client: SseClient, n: int, gap_s: float
) -> tuple[list[float], int]:
    """The same, with a random pause (uniform 0..gap_s) before each post, so posts
    do not fall in step with the consumers' fetch cycles."""
    rng = random.Random(7)
    latencies, timeouts = [], 0
    for _ in range(n):
        await asyncio.sleep(rng.uniform(0, gap_s))
        t0, offset = await ab.fire(EVENT_TIMEOUT_S)
        if offset is None:
            timeouts += 1
        else:
            latencies.append(client.received[offset] - t0)
    return latencies, timeouts


def _raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


async def fanout(
    ab: AlertBench, server: DevServer, clients: int, alerts: int
) -> dict[str, Any]:
    per_http = 100
    https = [
        httpx.AsyncClient(
            base_url=ab.base,
            limits=httpx.Limits(
                max_connections=per_http + 10, max_keepalive_connections=0
            ),
            timeout=httpx.Timeout(30.0, read=120.0),
        )
        for _ in range((clients + per_http - 1) // per_http)
    ]
    await asyncio.sleep(2)
    rss_before = server.rss_mib()
    t = time.perf_counter()
    streams: list[SseClient] = []
    for i in range(clients):
        streams.append(ab.stream(https[i // per_http]))
        if i % 50 == 49:  # open in waves so the accept queue never overflows
            await asyncio.gather(*(s.connected.wait() for s in streams[-50:]))
    await asyncio.gather(*(s.connected.wait() for s in streams))
    connect_s = time.perf_counter() - t
    ok = [s for s in streams if s.error is None]
    errors = Counter(s.error for s in streams if s.error is not None)
    await asyncio.sleep(3)  # idle
    rss_after = server.rss_mib()
    rounds: list[tuple[float, int | None]] = []
    for _ in range(alerts):
        t0, offset = await ab.fire(EVENT_TIMEOUT_S)
        rounds.append((t0, offset))
        if offset is not None:
            await ab.tracker.until(
                lambda o=offset: ab.tracker.counts[o] >= len(ok), FANOUT_TIMEOUT_S
            )
    delivery = [
        s.received[offset] - t0
        for t0, offset in rounds
        if offset is not None
        for s in ok
        if offset in s.received
    ]
    still = sum(1 for s in ok if s.error is None)
    for s in streams:
        await s.close()
    for h in https:
        await h.aclose()
    return {
        "rss": (rss_before, rss_after),
        "connected": len(ok),
        "connect_s": connect_s,
        "errors": errors,
        "delivery": delivery,
        "pairs": clients * alerts,
        "lost_alerts": sum(1 for _, o in rounds if o is None),
        "still_open": still,
    }


async def dev_part(
    n_alerts: int, n_spaced: int, n_clients: int, n_fanout: int
) -> list[str]:
    _raise_fd_limit(n_clients * 2 + 1024)
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = DevServer(Path(tmp) / "data", DEV_ENV)
        print("starting vigil dev ...", flush=True)
        up = server.start()
        print(f"  ready in {up:.1f} s", flush=True)
        try:
            ab = AlertBench(server.base)
            await ab.setup()
            sse_http = httpx.AsyncClient(
                base_url=server.base, timeout=httpx.Timeout(30.0, read=120.0)
            )
            one = ab.stream(sse_http)
            await one.connected.wait()
            assert one.error is None, one.error
            warm = await ab.warm_up()
            print(f"  first alert after {warm:.1f} s of warm-up", flush=True)
            r = await alert_latency(ab, one, n_alerts)
            spaced, spaced_timeouts = await spaced_latency(ab, one, n_spaced, 1.5)
            await one.close()
            await sse_http.aclose()
            lat, ingest = r["lat"], r["ingest"]
            p99 = percentile(lat, 99)
            verdict = "PASS" if p99 < TARGET_P99_S and not r["timeouts"] else "FAIL"
            lines += [
                f"Alert latency, measurement POSTed -> SSE event ({n_alerts} "
                f"transitions, 1 client): {ms(lat, 50, 90, 99)}, max "
                f"{max(lat) * 1000:.1f} ms, {r['timeouts']} timeouts (> 5 s); "
                f"target p99 < 250 ms: {verdict}",
                f"Baseline, POST /api/v1/ingest/ round trip alone ({n_alerts} "
                f"sequential, no rule): {ms(ingest)}",
                f"Ratio alert latency / ingest round trip at p50: "
                f"{percentile(lat, 50) / percentile(ingest, 50):.1f}x",
                f"Alert latency with a random pause (0-1.5 s) before each post "
                f"({n_spaced} transitions, 1 client): {ms(spaced, 50, 90, 99)}, max "
                f"{max(spaced) * 1000:.1f} ms, {spaced_timeouts} timeouts; ratio to "
                f"ingest round trip at p50: "
                f"{percentile(spaced, 50) / percentile(ingest, 50):.1f}x",
            ]
            print("\n".join(lines), flush=True)
            print(f"opening {n_clients:,} SSE streams ...", flush=True)
            f = await fanout(ab, server, n_clients, n_fanout)
            before, after = f["rss"]
            grown = after - before
            per_conn = grown * 1024 / max(1, f["connected"])
            delivered = len(f["delivery"]) / f["pairs"]
            errs = ", ".join(f"{n} x {e}" for e, n in f["errors"].items()) or "none"
            fan_lines = [
                f"SSE streams: {f['connected']:,}/{n_clients:,} connected in "
                f"{f['connect_s']:.1f} s (failures: {errs})",
                f"Server RSS (vigil dev process tree) idle: {before:,.0f} MiB with "
                f"no stream -> {after:,.0f} MiB with {f['connected']:,} "
                f"(+{grown:,.1f} MiB, {per_conn:,.1f} KiB per connection)",
            ]
            if f["delivery"]:
                d = f["delivery"]
                base99 = percentile(lat, 99)
                fan_lines += [
                    f"Fan-out, {n_fanout} alerts to {f['connected']:,} clients: "
                    f"delivery {ms(d)}, max {max(d) * 1000:.1f} ms; delivered "
                    f"{delivered:.2%} of {f['pairs']:,} (client, alert) pairs, "
                    f"{f['lost_alerts']} alerts seen by no client",
                    f"Baseline, delivery to 1 client (the {n_alerts} above): {ms(lat)}",
                    f"Ratio fan-out / 1 client at p99: "
                    f"{percentile(d, 99) / base99:.1f}x",
                ]
            else:
                fan_lines.append("Fan-out: no alert delivered to any client")
            print("\n".join(fan_lines), flush=True)
            lines += fan_lines
            await ab.http.aclose()
        except BaseException:
            print(f"--- tail of the vigil dev log ---\n{server.log()}", flush=True)
            raise
        finally:
            code = server.stop()
            print(f"  vigil dev stopped (exit {code})", flush=True)
            if code not in (0, None):
                print(server.log(), flush=True)
    return lines


# -- Prism in process --------------------------------------------------------------


class PrismBench:
    def __init__(self, api: falcon.testing.ASGIConductor, app: Any) -> None:
        self.api, self.app = api, app
        self.platform = app.platform
        self.producer = self.platform.producer
        from schemas.topics import MEASUREMENTS_TOPIC

        self.topic = self.platform.settings.topic(MEASUREMENTS_TOPIC)

    async def call(self, path: str, body: dict) -> dict:
        r = await self.api.simulate_post(path, json=body, headers=self.auth)
        assert r.status_code == 201, r.text
        return dict(r.json)

    async def setup(self) -> None:
        r = await self.api.simulate_post(
            "/api/auth/register",
            json={"email": "prism@example.com", "password": "bench-pass"},
        )
        self.auth = {"Authorization": f"Bearer {r.json['tokens']['access_token']}"}
        me = await self.api.simulate_get("/api/auth/me", headers=self.auth)
        self.org = me.json["user"]["account_id"]
        self.devices: list[str] = []
        self.bindings: list[str] = []
        for i in range(5):
            dev = await self.call(
                "/api/v1/devices/", {"hardware_id": f"PR-{i}", "display_name": f"P{i}"}
            )
            b = await self.call(
                f"/api/v1/devices/{dev['id']}/bindings/",
                {"channel": 0, "quantity_slug": SLUG},
            )
            self.devices.append(dev["id"])
            self.bindings.append(b["id"])
        self.single = (
            await self.call(
                "/api/v1/prism/fields/",
                {
                    "name": "Doubled",
                    "expression": "2 * v",
                    "inputs": {"v": self.bindings[0]},
                },
            )
        )["id"]
        self.double = (
            await self.call(
                "/api/v1/prism/fields/",
                {
                    "name": "Product",
                    "expression": "a * b",
                    "inputs": {"a": self.bindings[1], "b": self.bindings[2]},
                    "align_s": 0.001,
                },
            )
        )["id"]

    def batch(self, device: int, first_us: int, n: int) -> bytes:
        from schemas.events import MeasurementBatch, encode_batch

        return encode_batch(
            MeasurementBatch(
                self.org,
                self.devices[device],
                f"PR-{device}",
                [self.bindings[device]] * n,
                [first_us + k * 1000 for k in range(n)],
                [0] * n,
                [1.0 + (k % 100) / 10 for k in range(n)],
                [""] * n,
                [0] * n,
            )
        )

    @property
    def emitted(self) -> int:
        return int(self.platform.prism.emitted)

    async def wait_emitted(self, target: int, stall_s: float = 10.0) -> int:
        """Wait until ``target`` points were emitted, or nothing moved for stall_s."""
        last, moved = self.emitted, time.monotonic()
        while self.emitted < target:
            await asyncio.sleep(0.005)
            if self.emitted != last:
                last, moved = self.emitted, time.monotonic()
            elif time.monotonic() - moved > stall_s:
                break
        return self.emitted

    async def warm_up(self, timeout_s: float = 120.0) -> float:
        t = time.perf_counter()
        first = (int(time.time()) - 3000) * 1_000_000
        target = self.emitted + 10
        await self.producer.send(
            self.topic, self.batch(0, first, 10), self.devices[0].encode()
        )
        deadline = time.monotonic() + timeout_s
        while self.emitted < target:
            assert time.monotonic() < deadline, "Prism never emitted: Faust not up?"
            await asyncio.sleep(0.05)
        return time.perf_counter() - t

    async def run(
        self, devices: tuple[int, ...], per_input: int, size: int, expected: int
    ) -> tuple[float, int, float]:
        """Send per_input points per device in batches of size, devices taking
        turns; (derived points/s, points derived, seconds)."""
        first = (int(time.time()) - 1800) * 1_000_000
        start = self.emitted
        sends = []
        t = time.perf_counter()
        for k in range(0, per_input, size):
            n = min(size, per_input - k)
            for d in devices:
                body = self.batch(d, first + k * 1000, n)
                sends.append(
                    asyncio.ensure_future(
                        self.producer.send(self.topic, body, self.devices[d].encode())
                    )
                )
            if len(sends) >= 64:
                await asyncio.gather(*sends)
                sends = []
        await asyncio.gather(*sends)
        got = await self.wait_emitted(start + expected) - start
        seconds = time.perf_counter() - t
        return min(got, expected) / seconds, got, seconds

    def pure(
        self, field_id: str, devices: tuple[int, ...], per_input: int, size: int
    ) -> tuple[float, int]:
        from streams.prism.alignment import FieldIndex, FieldState, evaluate

        compiled = FieldIndex(self.platform.model.state).fields[field_id]
        by_binding = {b: v for v, b in compiled.inputs.items()}
        first = (int(time.time()) - 1800) * 1_000_000
        batches = []
        for k in range(0, per_input, size):
            n = min(size, per_input - k)
            for d in devices:
                var = by_binding[self.bindings[d]]
                batches.append(
                    [
                        (var, first + (k + j) * 1000, 1.0 + (j % 100) / 10)
                        for j in range(n)
                    ]
                )
        state = FieldState()
        out = 0
        t = time.perf_counter()
        for points in batches:
            out += len(evaluate(compiled, state, points))
        return out / (time.perf_counter() - t), out


async def prism_part(points: int, size: int, pair_size: int) -> list[str]:
    from api.app import create_app

    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "tansu.log"
        with TansuBroker("", log_file=log) as broker:
            settings = Settings.from_env(
                {},
                data_dir=Path(tmp),
                kafka_bootstrap=broker.bootstrap,
                rebalance_timeout_s=1.0,
                faust_enabled=True,
                rate_limit_per_s=1e9,
                rate_limit_burst=10**9,
                auth_rate_limit_per_s=1e9,
                auth_rate_limit_burst=10**9,
            )
            app = create_app(settings)
            print("starting the platform with Faust in process ...", flush=True)
            async with falcon.testing.ASGIConductor(app) as api:
                pb = PrismBench(api, app)
                await pb.setup()
                warm = await pb.warm_up()
                print(f"  first derived point after {warm:.1f} s", flush=True)

                rate1, got1, s1 = await pb.run((0,), points, size, points)
                pure1, _ = pb.pure(pb.single, (0,), points, size)
                lines += [
                    f"Prism one-input field (2 * v), {points:,} points in batches of "
                    f"{size:,} -> Kafka -> Faust router + evaluator -> derived topic: "
                    f"{rate1:,.0f} derived points/s ({got1:,} of {points:,} derived "
                    f"in {s1:.1f} s)",
                    f"Baseline, streams.prism.alignment.evaluate of the same field and "
                    f"points "
                    f"(no Kafka, no Faust): {pure1:,.0f} points/s",
                    f"Ratio pipeline / pure evaluation: {rate1 / pure1:.3f}x",
                ]
                print("\n".join(lines[-3:]), flush=True)

                half = points // 2
                rate2, got2, s2 = await pb.run((1, 2), half, pair_size, half)
                pure2, pure_out = pb.pure(pb.double, (1, 2), half, pair_size)
                lines += [
                    f"Prism two-input field (a * b, inputs on two devices, aligned "
                    f"per 1 ms), {half:,} points per input in batches of "
                    f"{pair_size:,} per device, devices taking turns: {rate2:,.0f} "
                    f"derived points/s ({got2:,} of {half:,} derived in {s2:.1f} s)",
                    f"Baseline, streams.prism.alignment.evaluate of the same field and "
                    f"points: "
                    f"{pure2:,.0f} derived points/s ({pure_out:,} derived)",
                    f"Ratio pipeline / pure evaluation: {rate2 / pure2:.3f}x",
                ]
                print("\n".join(lines[-3:]), flush=True)

    return lines


async def main(quick: bool) -> None:
    n_alerts, n_spaced, n_clients, n_fanout, points = (
        (50, 10, 100, 10, 20_000) if quick else (200, 50, 1000, 20, 200_000)
    )
    lines = await dev_part(n_alerts, n_spaced, n_clients, n_fanout)
    lines += await prism_part(points, 1000, 1000)
    lines.append(f"Peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB")
    print("\n".join(lines))
    if quick:
        print("\n(--quick: not recorded)")
        return
    record("streams", "\n".join(f"- {line}" for line in lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="50 alerts, 100 clients, 20,000 points (smoke test; not recorded)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.quick))
