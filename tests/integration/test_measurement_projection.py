"""A killed and restarted measurement projector loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace

from infra.stack import Platform
from projections.measurements import MeasurementsProjection
from projections.projector import Projector
from schemas.events import MeasurementBatch, encode_batch
from schemas.topics import MEASUREMENTS_TOPIC
from tests.conftest import unique

# Recent times: rows older than VIGIL_RAW_RETENTION_DAYS are dropped on insert.
BASE_US = int((time.time() - 3600) * 1_000_000)


async def send_batches(
    platform: Platform, binding: str, first: int, count: int
) -> None:
    topic = platform.settings.topic(MEASUREMENTS_TOPIC)
    for i in range(first, first + count):
        batch = MeasurementBatch(
            "org-p",
            str(uuid.uuid4()),
            f"HW-{i}",
            [binding] * 10,
            [BASE_US + (i * 10 + k) * 1000 for k in range(10)],
            [0] * 10,
            [float(i)] * 10,
            [""] * 10,
            [0] * 10,
        )
        await platform.producer.send(topic, encode_batch(batch), f"d{i % 7}".encode())


async def counts(platform: Platform, binding: str) -> tuple[int, int]:
    store = platform.store
    rows = await store.query(
        f"SELECT count(), uniqExact(ts) FROM {store.database}.measurements "
        "WHERE binding_id = {b:UUID}",
        {"b": binding},
    )
    return rows.rows[0]


async def wait_for(platform: Platform, binding: str, expected: int) -> tuple[int, int]:
    for _ in range(200):
        got = await counts(platform, binding)
        if got[0] >= expected:
            await asyncio.sleep(0.3)  # room for a duplicate to show up
            return await counts(platform, binding)
        await asyncio.sleep(0.05)
    return await counts(platform, binding)


async def test_killed_projector_resumes_without_loss_or_duplicates(
    platform: Platform,
) -> None:
    binding = str(uuid.uuid4())
    await send_batches(platform, binding, 0, 30)
    assert await wait_for(platform, binding, 300) == (300, 300)
    old = next(p for p in platform.projectors if p.table.endswith(".measurements"))
    await send_batches(platform, binding, 30, 20)  # some may be buffered, unflushed
    await old.kill()
    platform.projectors.remove(old)
    fresh = Projector(
        replace(platform.settings, consumer_group_prefix=unique("g")),
        platform.store,
        MeasurementsProjection(),
    )
    await fresh.start()
    platform.projectors.append(fresh)
    await send_batches(platform, binding, 50, 10)
    assert await wait_for(platform, binding, 600) == (600, 600)
