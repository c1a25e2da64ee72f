"""Argus memory search at 100,000 memories: the ranked query and the query's
embedding, p50/p99.

Inserts synthetic memories (random but realistic maintenance-log text, embedded
with the bundled model) straight into a fresh chDB ``ai_memories`` table in bulk,
all in one org (the worst case: search ranks every memory of the org), plus the
same number spread over other orgs (rows the org's WHERE must skip). Then times:

- the embedding of a query (``agents.embeddings.embed_one``);
- the ranked search (``projections.ai_memory_reads.search_memories``, the SQL the
  API runs), with and without a device filter;
- ``agents.ai_memory.recall`` end to end (embedding + search), as the API calls it;
- the newest-first listing (no ``q``).

Usage: ``.venv/bin/python bench/bench_memory.py [--memories 100000] [--queries 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.ai_memory import recall  # noqa: E402
from agents.embeddings import MODEL, embed, embed_one  # noqa: E402
from bench.results import peak_rss_mib, percentile, record  # noqa: E402
from domain.ai_memory import MEMORY_TYPES, MemoryFilters  # noqa: E402
from infra.chdb_store import ChdbStore  # noqa: E402
from infra.clickhouse import AsyncStore  # noqa: E402
from projections.ai_memories import ai_memory_projection  # noqa: E402
from projections.ai_memory_reads import latest_memories, search_memories  # noqa: E402
from projections.migrations import migrate  # noqa: E402

ASSETS = (
    "Pump",
    "Chiller",
    "Boiler",
    "Compressor",
    "AHU",
    "Cooling tower",
    "Exhaust fan",
    "Valve",
    "CO2 sensor",
    "Humidity sensor",
    "Flow meter",
    "Conveyor",
    "Generator",
    "Transformer",
    "Heat exchanger",
    "VFD",
)
EVENTS = (
    "bearing replaced",
    "bearing noisy, vibration above 7 mm/s",
    "seal leaking at the gland",
    "setpoint changed to {n} C",
    "prone to drift, recalibrated",
    "tripped on overcurrent",
    "filter clogged, replaced",
    "firmware updated to v{n}.2",
    "belt tension adjusted",
    "oil changed, next change in {n} weeks",
    "readings frozen for {n} hours, rebooted",
    "alarm flapping at night",
    "inspected, no defects found",
    "runs hot above {n} C ambient",
    "motor rewound by the vendor",
    "pressure drops when the second line starts",
)
PLACES = (
    "on Floor {f}",
    "in Building {b}",
    "at the loading dock",
    "in plant room {f}",
    "on the roof",
    "in the basement",
    "at Site {b}",
)
MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
QUERIES = (
    "pump bearing failure",
    "which sensors drift",
    "chiller temperature setpoint",
    "compressor trips",
    "leaks in the plant room",
    "firmware updates on the roof",
    "noisy fan at night",
    "generator maintenance history",
)
BATCH = 20_000
Timing = tuple[list[float], float]


def memory_text(rng: random.Random) -> str:
    """One realistic maintenance-log line."""
    n = rng.randint(2, 40)
    event = rng.choice(EVENTS).format(n=n)
    place = rng.choice(PLACES).format(f=rng.randint(1, 9), b=rng.choice("ABCDEF"))
    when = f"{rng.choice(MONTHS)} {rng.randint(2023, 2026)}"
    return f"{rng.choice(ASSETS)} {rng.randint(1, 12)} {place} {event} ({when})"


def rows(rng: random.Random, org: str, count: int, start: int) -> pa.Table:
    """``count`` memories of ``org`` as one Arrow table of the projection's shape."""
    texts = [memory_text(rng) for _ in range(count)]
    vectors = embed(texts)
    now = datetime.now(UTC)
    schema = ai_memory_projection().schema
    data: dict[str, Any] = {
        "memory_id": [f"{org}-{start + i}" for i in range(count)],
        "org_id": [org] * count,
        "content": texts,
        "memory_type": [rng.choice(MEMORY_TYPES) for _ in range(count)],
        "salience": [round(rng.random(), 2) for _ in range(count)],
        "embedding": pa.FixedSizeListArray.from_arrays(
            pa.array(vectors.ravel()), vectors.shape[1]
        ).cast(pa.list_(pa.float32())),
        "embedding_model": [MODEL] * count,
        "created_at": [
            now - timedelta(minutes=rng.randint(0, 3 * 525_600)) for _ in texts
        ],
        "device_id": [f"device-{rng.randint(0, 199)}" for _ in range(count)],
        "site_id": [f"site-{rng.randint(0, 9)}" for _ in range(count)],
        "source": ["manual"] * count,
        "actor": [None] * count,
        "topic_id": ["bench"] * count,
        "partition": [0] * count,
        "offset": list(range(start, start + count)),
    }
    return pa.table(data, schema=schema)


def load(store: ChdbStore, memories: int, seed: int) -> tuple[float, float]:
    """Insert the org's memories and as many for other orgs; (embed s, insert s)."""
    rng = random.Random(seed)
    embed_s = insert_s = 0.0
    for org, count in (("org-bench", memories), ("org-other", memories)):
        for start in range(0, count, BATCH):
            t0 = time.perf_counter()
            table = rows(rng, org, min(BATCH, count - start), start)
            t1 = time.perf_counter()
            store.insert_arrow(f"{store.database}.ai_memories", table)
            embed_s += t1 - t0
            insert_s += time.perf_counter() - t1
    store.command(f"OPTIMIZE TABLE {store.database}.ai_memories FINAL")
    return embed_s, insert_s


async def timed(n: int, call: Callable[[int], Awaitable[Any]]) -> Timing:
    """Wall milliseconds of ``n`` sequential calls (after two warm-up calls), and
    the process's CPU milliseconds per call (chDB runs in this process)."""
    for i in range(2):
        await call(i)
    times = []
    cpu0 = time.process_time()
    for i in range(n):
        t0 = time.perf_counter()
        await call(i)
        times.append((time.perf_counter() - t0) * 1000)
    return times, (time.process_time() - cpu0) * 1000 / n


def line(label: str, timing: Timing) -> str:
    times, cpu_ms = timing
    p50, p99 = percentile(times, 50), percentile(times, 99)
    return (
        f"- {label}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, CPU {cpu_ms:.2f} ms "
        f"per call ({len(times)} runs)"
    )


async def measure(store: AsyncStore, queries: int) -> list[str]:
    """The figures, one line each."""
    vectors = [embed_one(q) for q in QUERIES]
    now = datetime.now(UTC)
    org = "org-bench"

    async def embed_query(i: int) -> Any:
        return embed_one(f"{QUERIES[i % len(QUERIES)]} {i}")

    async def search(i: int) -> Any:
        v = vectors[i % len(vectors)]
        return await search_memories(store, org, v, MODEL, MemoryFilters(), 10, now)

    async def search_device(i: int) -> Any:
        f = MemoryFilters(device_id=f"device-{i % 200}")
        v = vectors[i % len(vectors)]
        return await search_memories(store, org, v, MODEL, f, 10, now)

    async def end_to_end(i: int) -> Any:
        return await recall(store, org, QUERIES[i % len(QUERIES)], 10)

    async def newest(i: int) -> Any:
        return await latest_memories(store, org, MemoryFilters(), 100)

    found = await recall(store, org, "pump bearing failure", 3)
    return [
        line(
            "query embedding (wordllama, in process)", await timed(queries, embed_query)
        ),
        line(
            "ranked search, top 10 (ClickHouse cosineDistance + blend)",
            await timed(queries, search),
        ),
        line("ranked search with a device filter", await timed(queries, search_device)),
        line("recall() end to end (embed + search)", await timed(queries, end_to_end)),
        line("newest-first listing, 100 (no q)", await timed(queries, newest)),
        "- top 3 for 'pump bearing failure': "
        + "; ".join(f"{m['content']} ({m['score']:.3f})" for m in found),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="vigil-bench-memory-") as path:
        store = ChdbStore(path, "bench")
        migrate(store)
        embed_s, insert_s = load(store, args.memories, args.seed)
        total = 2 * args.memories
        figures = [
            f"- {args.memories:,} memories in the searched org, {args.memories:,} "
            f"in another; generated and embedded at {total / embed_s:,.0f} texts/s, "
            f"inserted at "
            f"{total / insert_s:,.0f} rows/s (Arrow, {BATCH:,} a block)",
            *asyncio.run(measure(AsyncStore(store), args.queries)),
            f"- peak RSS of the benchmark process: {peak_rss_mib():,.0f} MiB",
            f"- load average (1 min) before / after: {load_before:.1f} / "
            f"{os.getloadavg()[0]:.1f} (a shared machine: wall times grow with it)",
        ]
        store.close()
    body = "\n".join(figures)
    print(body)
    if not args.no_record:
        record("memory", body)


if __name__ == "__main__":
    main()
