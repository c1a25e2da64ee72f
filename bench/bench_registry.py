"""Registry benchmark: write-to-visible latency, login throughput, read-model memory.

Drives the real app (Falcon ASGI, in process) on the real parts (Tansu, chDB) and
prints:
- device registration over HTTP -> visible: p50/p99, against a baseline of the bare
  entity write (EntityLog.write) of the same state;
- logins/s (argon2id verification is the deliberate cost), against a baseline of
  bare argon2 verifications/s in one thread;
- the API process's resident memory with 100,000 devices and 400,000 bindings in
  its read model, and list/detail latency at that size.

Usage: .venv/bin/python bench/bench_registry.py [--devices 100000] [--writes 300]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import falcon.testing  # noqa: E402

from api.app import create_app  # noqa: E402
from api.credentials import hash_password, verify_password  # noqa: E402
from bench.results import percentile, record  # noqa: E402
from domain.entity import EntityType, created  # noqa: E402
from domain.keys import channel_key, hardware_key  # noqa: E402
from domain.states import Binding, Device  # noqa: E402
from infra.broker import TansuBroker  # noqa: E402
from infra.settings import Settings  # noqa: E402
from infra.stack import Platform  # noqa: E402
from schemas.events import encode_entity  # noqa: E402
from schemas.topics import ENTITIES_TOPIC  # noqa: E402

AT = datetime(2026, 1, 1, tzinfo=UTC)


def ms(values: list[float]) -> str:
    p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"


def rss_mib() -> float:
    """Current resident set size of this process."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


async def write_latency(
    api: falcon.testing.ASGIConductor, auth: dict, n: int
) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        r = await api.simulate_post(
            "/api/v1/devices/",
            json={"hardware_id": f"LAT-{i}", "display_name": f"Latency {i}"},
            headers=auth,
        )
        out.append(time.perf_counter() - t)
        assert r.status_code == 201, r.text
    return out


async def bare_writes(platform: Platform, org: str, n: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        await platform.entities.write(
            [
                created(
                    EntityType.DEVICE,
                    str(uuid.uuid4()),
                    org,
                    Device(
                        created_at="2026-01-01T00:00:00Z",
                        hardware_id=f"B-{i}",
                        display_name="b",
                        node_type="sensor_node",
                        site_id=None,
                    ),
                    (hardware_key(org, f"B-{i}"),),
                    at=AT,
                )
            ]
        )
        out.append(time.perf_counter() - t)
    return out


async def logins(api: falcon.testing.ASGIConductor, email: str, n: int) -> float:
    sem = asyncio.Semaphore(4)

    async def one() -> None:
        async with sem:
            r = await api.simulate_post(
                "/api/v1/auth/login/",
                json={"email": email, "password": "bench-password"},
            )
            assert r.status_code == 200

    t = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return n / (time.perf_counter() - t)


def bare_verifies(n: int) -> float:
    stored = hash_password("bench-password")
    t = time.perf_counter()
    for _ in range(n):
        verify_password(stored, "bench-password")
    return n / (time.perf_counter() - t)


async def bulk_registry(platform: Platform, org: str, devices: int) -> float:
    """Write devices with 4 bindings each as entity events; return seconds to fold."""
    producer = platform.producer
    topic = platform.settings.topic(ENTITIES_TOPIC)
    now = "2026-01-01T00:00:00Z"
    t = time.perf_counter()
    chunk = 2_000
    for start in range(0, devices, chunk):
        sends = []
        for i in range(start, min(start + chunk, devices)):
            device_id = str(uuid.uuid4())
            hw = f"BULK-{i:06d}"
            sends.append(
                producer.send(
                    topic,
                    encode_entity(
                        created(
                            EntityType.DEVICE,
                            device_id,
                            org,
                            Device(
                                created_at=now,
                                hardware_id=hw,
                                display_name=f"Bulk {i}",
                                node_type="sensor_node",
                                site_id=None,
                                updated_at=now,
                            ),
                            (hardware_key(org, hw),),
                            at=AT,
                        )
                    ),
                    device_id.encode(),
                )
            )
            for ch in range(4):
                binding_id = str(uuid.uuid4())
                sends.append(
                    producer.send(
                        topic,
                        encode_entity(
                            created(
                                EntityType.BINDING,
                                binding_id,
                                org,
                                Binding(
                                    created_at=now,
                                    device_id=device_id,
                                    channel=ch,
                                    quantity_slug="temperature.celsius",
                                    role="sensor",
                                    sample_rate_tier="low",
                                    is_active=True,
                                    peripheral=None,
                                ),
                                (channel_key(device_id, ch),),
                                at=AT,
                            )
                        ),
                        binding_id.encode(),
                    )
                )
        delivered = await asyncio.gather(*sends)
        if start % 20_000 == 0:
            print(f"  {start + chunk:,}/{devices:,} devices written", flush=True)
    last = max(d.offset for d in delivered)
    model = platform.model
    while model.state.offset < last:  # noqa: ASYNC110 - polling the fold
        await asyncio.sleep(0.05)
    return time.perf_counter() - t


async def timed_get(
    api: falcon.testing.ASGIConductor, url: str, auth: dict, n: int, **params: object
) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = await api.simulate_get(url, headers=auth, params=params or None)
        out.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
    return out


async def main(devices: int, writes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, TansuBroker() as broker:
        settings = Settings(
            data_dir=Path(tmp),
            kafka_bootstrap=broker.bootstrap,
            faust_enabled=False,
            rebalance_timeout_s=1.0,
            rate_limit_per_s=1e9,
            rate_limit_burst=10**9,
            auth_rate_limit_per_s=1e9,
            auth_rate_limit_burst=10**9,
        )
        app = create_app(settings)
        async with falcon.testing.ASGIConductor(app) as api:
            email = "bench@example.com"
            r = await api.simulate_post(
                "/api/auth/register",
                json={"email": email, "password": "bench-password"},
            )
            auth = {"Authorization": f"Bearer {r.json['tokens']['access_token']}"}
            me = await api.simulate_get("/api/auth/me", headers=auth)
            org = me.json["user"]["account_id"]
            http = await write_latency(api, auth, writes)
            bare = await bare_writes(app.platform, org, writes)
            login_rate = await logins(api, email, 40)
            verify_rate = bare_verifies(20)
            rss_before = rss_mib()
            print(
                f"writing {devices:,} devices and {devices * 4:,} bindings ...",
                flush=True,
            )
            fold_s = await bulk_registry(app.platform, org, devices)
            rss_after = rss_mib()
            listing = await timed_get(api, "/api/v1/devices/", auth, 20, limit=100)
            some = next(iter(app.platform.model.state.in_org(Device, org)))
            detail = await timed_get(api, f"/api/v1/devices/{some}/", auth, 50)
    total = devices * 5
    grown = rss_after - rss_before
    lines = [
        f"Device registration over HTTP -> visible ({writes} sequential): {ms(http)}",
        f"Baseline, bare entity write ({writes} sequential): {ms(bare)}",
        f"Ratio HTTP/bare at p99: {percentile(http, 99) / percentile(bare, 99):.2f}x",
        f"Logins/s (4 concurrent, argon2id m=64 MiB t=3 p=4): {login_rate:.1f}",
        f"Baseline, bare argon2id verifications/s (1 thread): {verify_rate:.1f}",
        f"Read model: {devices:,} devices + {devices * 4:,} bindings folded "
        f"in {fold_s:.1f} s ({total / fold_s:,.0f} events/s)",
        f"API process RSS: {rss_before:,.0f} -> {rss_after:,.0f} MiB "
        f"(+{grown:,.0f} MiB, {grown * 2**20 / total:,.0f} bytes per entity)",
        f"GET /api/v1/devices/?limit=100 over {devices:,} devices: {ms(listing)}",
        f"GET /api/v1/devices/{{id}}/ at that size: {ms(detail)}",
    ]
    print("\n".join(lines))
    record("registry", "\n".join(f"- {line}" for line in lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.devices, args.writes))
