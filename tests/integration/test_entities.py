"""The entity log against the real broker: read-your-writes, log-order uniqueness,
exactly-once archiving, rehydration of an empty broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest

from infra.broker import TansuBroker
from infra.settings import Settings
from infra.stack import Platform
from projections.archive import EntityArchive
from projections.entitylog import EntityConflict
from projections.projector import Projector
from schemas.events import EntityChanged, encode_entity
from tests.conftest import unique


async def archived(platform: Platform, min_rows: int, wait_s: float = 10) -> list[Any]:
    """Archive rows once at least ``min_rows`` are there."""
    assert platform.store is not None
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        rows = await platform.store.query(
            f"SELECT event_id, offset FROM {platform.store.database}.entity_archive"
        )
        if len(rows.rows) >= min_rows or asyncio.get_running_loop().time() > deadline:
            return rows.rows
        await asyncio.sleep(0.05)


async def test_write_is_visible_to_the_next_read(platform: Platform) -> None:
    assert platform.entities is not None
    entity = await platform.entities.create("site", "org1", {"name": "Plant A"})
    seen = platform.model.state.get("site", entity.entity_id)
    assert seen is not None and seen.state == {"name": "Plant A"}
    updated = await platform.entities.update(entity, {"name": "Plant B"})
    assert updated.version == 2
    assert platform.model.state.get("site", entity.entity_id).state["name"] == "Plant B"
    await platform.entities.delete(updated)
    assert platform.model.state.get("site", entity.entity_id) is None


async def test_concurrent_creates_with_one_key_one_wins(platform: Platform) -> None:
    assert platform.entities is not None
    key = unique("user.email")
    results = await asyncio.gather(
        *(platform.entities.create("user", "org1", {"n": i}, (key,)) for i in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, EntityConflict)]
    assert len(winners) == 1 and len(losers) == 4
    assert platform.model.state.holder(key) == ("user", winners[0].entity_id)


async def test_stale_update_is_a_conflict(platform: Platform) -> None:
    assert platform.entities is not None
    v1 = await platform.entities.create("site", "org1", {"name": "a"})
    await platform.entities.update(v1, {"name": "b"})
    with pytest.raises(EntityConflict, match="stale"):
        await platform.entities.update(v1, {"name": "c"})


async def test_each_event_is_archived_exactly_once(platform: Platform) -> None:
    assert platform.entities is not None
    for i in range(20):
        await platform.entities.create("site", "org1", {"i": i})
    rows = await archived(platform, 20)
    assert len(rows) == 20
    assert len({r[0] for r in rows}) == 20


async def test_restarted_projector_rereads_nothing_twice(
    platform: Platform, make_settings: Callable[..., Settings]
) -> None:
    assert platform.entities is not None and platform.store is not None
    for i in range(10):
        await platform.entities.create("site", "org1", {"i": i})
    assert len(await archived(platform, 10)) == 10
    first = platform.projectors[0]
    await first.kill()  # crash: buffer dropped, and the group offsets are forgotten
    platform.projectors = []
    # A projector in a brand-new group has no committed offsets at all: it must
    # resume from what ClickHouse holds instead of re-reading from offset 0.
    fresh = Projector(
        platform.settings.__class__(
            **{**platform.settings.__dict__, "consumer_group_prefix": unique("g")}
        ),
        platform.store,
        EntityArchive(),
    )
    await fresh.start()
    platform.projectors = [fresh]
    for i in range(5):
        await platform.entities.create("site", "org1", {"after": i})
    rows = await archived(platform, 15)
    await asyncio.sleep(0.5)  # room for any duplicate to land before counting
    rows = await archived(platform, 15)
    offsets = [r[1] for r in rows]
    assert len(rows) == 15
    assert len(set(offsets)) == 15


async def test_replayed_range_with_same_token_inserts_nothing(
    platform: Platform,
) -> None:
    assert platform.store is not None
    table = f"{platform.store.database}.entity_archive"
    archive = EntityArchive()
    value = encode_entity(EntityChanged("site", "s", "o", 1, "created", {}))
    block = archive.columns("tid", 0, 99, b"s", value)
    assert block is not None
    data = pa.Table.from_pydict(dict(block), schema=archive.schema)
    for _ in range(2):
        await platform.store.insert_arrow(table, data, "entity-archive:tid:0:99-99")
    count = await platform.store.query(f"SELECT count() FROM {table} WHERE offset = 99")
    assert count.scalar() == 1


async def test_restart_with_empty_broker_keeps_every_entity(
    make_settings: Callable[..., Settings], broker: TansuBroker
) -> None:
    settings = make_settings()
    first = Platform(settings)
    await first.start()
    assert first.entities is not None
    made = [
        await first.entities.create("device", "org1", {"i": i}, (f"hw:org1:D{i}",))
        for i in range(12)
    ]
    await first.entities.delete(made[0])
    await archived(first, 13)
    await first.stop()

    with TansuBroker() as empty:  # a new memory-only broker: the log is gone
        second = Platform(
            Settings(**{**settings.__dict__, "kafka_bootstrap": empty.bootstrap})
        )
        await second.start()
        try:
            assert second.rehydrated == 13
            live = second.model.state.of_type("device")
            assert set(live) == {e.entity_id for e in made[1:]}
            assert second.entities is not None
            with pytest.raises(EntityConflict):
                await second.entities.create("device", "org1", {}, ("hw:org1:D5",))
            again = await second.entities.create("device", "org1", {}, ("hw:org1:D0",))
            assert again.entity_id not in {e.entity_id for e in made}
        finally:
            await second.stop()
