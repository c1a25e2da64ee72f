"""The entity log against the real broker: read-your-writes, log-order uniqueness,
exactly-once archiving, rehydration of an empty broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from domain.entity import Entity, EntityType, created, deleted, updated
from domain.states import Device, Site, User
from infra.broker import TansuBroker
from infra.settings import Settings
from infra.stack import Platform
from projections.archive import EntityArchive
from projections.entitylog import EntityConflict
from projections.projector import Projector
from schemas.events import encode_entity
from tests.conftest import unique

T = "2026-12-02T00:00:00Z"
AT = datetime(2026, 12, 2, tzinfo=UTC)


def site(name: str) -> Site:
    return Site(created_at=T, name=name)


def device(name: str) -> Device:
    return Device(created_at=T, hardware_id=name, display_name=name)


async def create(
    platform: Platform, state: Any, keys: tuple[str, ...] = ()
) -> Entity[Any]:
    """Write one create through the entity log and return the entity."""
    event = created(state.entity_type, str(uuid.uuid4()), "org1", state, keys, at=AT)
    (entity,) = await platform.entities.write([event])
    assert entity is not None
    return entity


async def update(platform: Platform, entity: Entity[Any], state: Any) -> Entity[Any]:
    """Write one update and return the entity after it."""
    (after,) = await platform.entities.write([updated(entity, state, (), at=AT)])
    assert after is not None
    return after


async def archived(platform: Platform, min_rows: int, wait_s: float = 10) -> list[Any]:
    """Archive rows once at least ``min_rows`` are there."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        rows = await platform.store.query(
            f"SELECT event_id, offset FROM {platform.store.database}.entity_archive"
        )
        if len(rows.rows) >= min_rows or asyncio.get_running_loop().time() > deadline:
            return rows.rows
        await asyncio.sleep(0.05)


async def test_write_is_visible_to_the_next_read(platform: Platform) -> None:
    entity = await create(platform, site("Plant A"))
    seen = platform.model.state.get(Site, entity.entity_id)
    assert seen is not None and seen.state == site("Plant A")
    after = await update(platform, entity, site("Plant B"))
    assert after.version == 2
    again = platform.model.state.get(Site, entity.entity_id)
    assert again is not None and again.state.name == "Plant B"
    await platform.entities.write([deleted(after, at=AT)])
    assert platform.model.state.get(Site, entity.entity_id) is None


async def test_concurrent_creates_with_one_key_one_wins(platform: Platform) -> None:
    key = unique("user.email")
    user = User(created_at=T, email="a@x.example", password_hash="h")
    results = await asyncio.gather(
        *(create(platform, user, (key,)) for _ in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, EntityConflict)]
    assert len(winners) == 1 and len(losers) == 4
    assert platform.model.state.holder(key) == (
        EntityType.USER,
        winners[0].entity_id,
    )


async def test_stale_update_is_a_conflict(platform: Platform) -> None:
    v1 = await create(platform, site("a"))
    await update(platform, v1, site("b"))
    with pytest.raises(EntityConflict, match="stale"):
        await update(platform, v1, site("c"))


async def test_each_event_is_archived_exactly_once(platform: Platform) -> None:
    for i in range(20):
        await create(platform, site(f"s{i}"))
    rows = await archived(platform, 20)
    assert len(rows) == 20
    assert len({r[0] for r in rows}) == 20


async def test_restarted_projector_rereads_nothing_twice(
    platform: Platform, make_settings: Callable[..., Settings]
) -> None:
    for i in range(10):
        await create(platform, site(f"s{i}"))
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
        await create(platform, site(f"after{i}"))
    rows = await archived(platform, 15)
    await asyncio.sleep(0.5)  # room for any duplicate to land before counting
    rows = await archived(platform, 15)
    offsets = [r[1] for r in rows]
    assert len(rows) == 15
    assert len(set(offsets)) == 15


async def test_replayed_range_with_same_token_inserts_nothing(
    platform: Platform,
) -> None:
    table = f"{platform.store.database}.entity_archive"
    archive = EntityArchive()
    value = encode_entity(created(EntityType.SITE, "s", "o", site("s"), (), at=AT))
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
    made = [await create(first, device(f"D{i}"), (f"hw:org1:D{i}",)) for i in range(12)]
    await first.entities.write([deleted(made[0], at=AT)])
    await archived(first, 13)
    await first.stop()

    with TansuBroker() as empty:  # a new memory-only broker: the log is gone
        second = Platform(
            Settings(**{**settings.__dict__, "kafka_bootstrap": empty.bootstrap})
        )
        await second.start()
        try:
            assert second.rehydrated == 13
            live = second.model.state.of_type(Device)
            assert set(live) == {e.entity_id for e in made[1:]}
            assert live[made[5].entity_id].state == device("D5")
            with pytest.raises(EntityConflict):
                await create(second, device("D5"), ("hw:org1:D5",))
            again = await create(second, device("D0"), ("hw:org1:D0",))
            assert again.entity_id not in {e.entity_id for e in made}
        finally:
            await second.stop()


async def test_another_model_waits_until_it_knows_what_was_written_before(
    platform: Platform,
) -> None:
    """A second process's model, fetching slowly, is behind a write the platform
    acknowledged; ``wait_fresh`` with a time after that write holds until the
    model has it (what a stream agent does before judging a measurement)."""
    from infra import kafka
    from projections.readmodel import EntityReadModel

    settings = platform.settings
    other = EntityReadModel(settings)
    other._loop._make_consumer = lambda: kafka.consumer(  # a 1.5 s fetch wait
        settings, fetch_max_wait_ms=1500
    )
    await other.start()
    try:
        await other.wait_caught_up(30)
        entity = await create(platform, site("Written first"))
        after_ms = int(datetime.now(UTC).timestamp() * 1000) + 1
        behind = other.state.get(Site, entity.entity_id) is None
        assert await other.wait_fresh(after_ms, 10)
        seen = other.state.get(Site, entity.entity_id)
        assert seen is not None and seen.state.name == "Written first"
        assert behind, "the slow model already had it: the test proves nothing"
    finally:
        await other.stop()
