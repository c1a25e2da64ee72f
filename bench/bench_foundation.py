"""Foundation benchmark: projector throughput and entity write-to-visible latency.

Runs the real parts (Tansu, chDB) in a temporary directory and prints:
- entity write -> visible in this process's read model: p50/p99, sequential and
  concurrent, against a baseline of the bare acknowledged Kafka produce;
- projector throughput (events/s from Kafka into ClickHouse, exactly-once path),
  against a baseline of the same rows inserted straight into ClickHouse.

Usage: .venv/bin/python bench/bench_foundation.py [--events 100000] [--writes 500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa  # noqa: E402

from bench.results import peak_rss_mib, percentile, record  # noqa: E402
from domain.entity import EntityType, created  # noqa: E402
from domain.states import Site  # noqa: E402
from infra.broker import TansuBroker  # noqa: E402
from infra.settings import Settings  # noqa: E402
from infra.stack import Platform  # noqa: E402
from projections.archive import EntityArchive  # noqa: E402
from projections.projector import Projector  # noqa: E402
from schemas.events import encode_entity  # noqa: E402
from schemas.topics import ENTITIES_TOPIC  # noqa: E402

NOW = "2026-01-01T00:00:00Z"
AT = datetime(2026, 1, 1, tzinfo=UTC)


def ms(values: list[float]) -> str:
    p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"


async def write_latency(p: Platform, n: int) -> tuple[list[float], list[float], float]:
    """Sequential create latency, bare produce latency, and concurrent writes/s."""
    visible = []
    for i in range(n):
        t = time.perf_counter()
        await p.entities.write(
            [
                created(
                    EntityType.SITE,
                    str(uuid.uuid4()),
                    "bench",
                    Site(created_at=NOW, name=f"s{i}"),
                    (f"site:{uuid.uuid4()}",),
                    at=AT,
                )
            ]
        )
        visible.append(time.perf_counter() - t)
    topic = p.settings.topic(ENTITIES_TOPIC)
    produced = []
    for i in range(n):
        value = encode_entity(
            created(
                EntityType.SITE,
                f"p{i}",
                "bench",
                Site(created_at=NOW, name=f"p{i}"),
                (),
                at=AT,
            )
        )
        t = time.perf_counter()
        await p.producer.send(topic, value, b"probe")
        produced.append(time.perf_counter() - t)
    t = time.perf_counter()
    total = n * 4
    sem = asyncio.Semaphore(64)

    async def one(i: int) -> None:
        async with sem:
            await p.entities.write(
                [
                    created(
                        EntityType.SITE,
                        str(uuid.uuid4()),
                        "bench",
                        Site(created_at=NOW, name=f"c{i}"),
                        (),
                        at=AT,
                    )
                ]
            )

    await asyncio.gather(*(one(i) for i in range(total)))
    concurrent_rate = total / (time.perf_counter() - t)
    return visible, produced, concurrent_rate


async def projector_throughput(p: Platform, events: int) -> tuple[float, float, float]:
    """(events/s incl. group join, events/s once partitions are assigned, baseline)."""
    topic = p.settings.topic(ENTITIES_TOPIC)
    print(f"producing {events} entity events ...", flush=True)
    chunk = 5000
    for start in range(0, events, chunk):
        await asyncio.gather(
            *(
                p.producer.send(
                    topic,
                    encode_entity(
                        created(
                            EntityType.SITE,
                            f"b{i}",
                            "bench",
                            Site(created_at=NOW, name=f"b{i}"),
                            (),
                            at=AT,
                        )
                    ),
                    f"b{i}".encode(),
                )
                for i in range(start, min(start + chunk, events))
            )
        )
    table = f"{p.store.database}.entity_archive"
    before = (await p.store.query(f"SELECT count() FROM {table}")).scalar()
    target = before + events
    projector = Projector(p.settings, p.store, EntityArchive())
    t0 = time.perf_counter()
    await projector.start()
    while (await p.store.query(f"SELECT count() FROM {table}")).scalar() < target:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    done = time.perf_counter()
    done_mono = time.monotonic()
    await projector.stop()
    end_to_end = events / (done - t0)
    assert projector.resumed_at is not None
    steady = events / (done_mono - projector.resumed_at)

    # Baseline: the same rows straight into ClickHouse, same batch size.
    archive = EntityArchive()
    values = [
        encode_entity(
            created(
                EntityType.SITE,
                f"x{i}",
                "bench",
                Site(created_at=NOW, name=f"x{i}"),
                (),
                at=AT,
            )
        )
        for i in range(events)
    ]
    batch = p.settings.projection_batch_rows
    t = time.perf_counter()
    for start in range(0, events, batch):
        columns: dict[str, list[object]] = {}
        for i in range(start, min(start + batch, events)):
            block = archive.columns("baseline", 0, i, f"x{i}".encode(), values[i])
            for name, column in (block or {}).items():
                columns.setdefault(name, []).extend(column)
        data = pa.Table.from_pydict(columns, schema=archive.schema)
        await p.store.insert_arrow(table, data)
    baseline = events / (time.perf_counter() - t)
    return end_to_end, steady, baseline


async def main(events: int, writes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, TansuBroker() as broker:
        settings = Settings(
            data_dir=Path(tmp),
            kafka_bootstrap=broker.bootstrap,
            faust_enabled=False,
            projectors_enabled=False,
            rebalance_timeout_s=1.0,
        )
        p = Platform(settings)
        await p.start()
        try:
            visible, produced, rate = await write_latency(p, writes)
            e2e, steady, baseline = await projector_throughput(p, events)
        finally:
            await p.stop()
    lines = [
        f"Entity write -> visible in read model ({writes} sequential): {ms(visible)}",
        f"Baseline, bare acknowledged produce ({writes} sequential):  {ms(produced)}",
        "Ratio write/produce at p50: "
        f"{percentile(visible, 50) / percentile(produced, 50):.2f}x",
        f"Concurrent entity writes (64 in flight): {rate:,.0f} writes/s",
        f"Projector, {events:,} events Kafka -> ClickHouse incl. group join: "
        f"{e2e:,.0f} events/s",
        f"Projector once partitions are assigned: {steady:,.0f} events/s",
        "Baseline, same events decoded and inserted straight into ClickHouse: "
        f"{baseline:,.0f} rows/s",
        f"Ratio projector steady / direct insert: {steady / baseline:.2f}x",
        f"Peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB",
    ]
    print("\n".join(lines))
    record("foundation", "\n".join(f"- {line}" for line in lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.writes))
