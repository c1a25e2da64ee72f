"""Archive entity events in ClickHouse, and rehydrate an empty broker from it."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import TopicPartition

from infra import kafka
from infra.clickhouse import AsyncStore
from infra.kafka import AsyncProducer
from infra.settings import Settings
from schemas import SchemaError
from schemas.events import ENTITIES_TOPIC, decode_entity

log = logging.getLogger(__name__)


class EntityArchive:
    """Projection of ``vigil.entities.v1`` into ``entity_archive`` (raw bytes kept)."""

    name = "entity-archive"
    topic = ENTITIES_TOPIC
    table = "entity_archive"
    columns = (
        "topic_id",
        "partition",
        "offset",
        "event_id",
        "entity_type",
        "entity_id",
        "org_id",
        "version",
        "change",
        "occurred_at",
        "key",
        "value_b64",
    )

    def rows(
        self,
        topic_id: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
    ) -> Sequence[Sequence[Any]]:
        """One archive row per decodable entity event."""
        if value is None:
            return ()
        try:
            e = decode_entity(value)
        except SchemaError:
            log.exception("not archiving undecodable entity event at %s", offset)
            return ()
        return [
            (
                topic_id,
                partition,
                offset,
                e.event_id,
                e.entity_type,
                e.entity_id,
                e.org_id,
                e.version,
                e.change,
                e.occurred_at,
                (key or b"").decode("utf-8", "replace"),
                base64.b64encode(value).decode(),
            )
        ]


async def broker_log_is_empty(settings: Settings) -> bool:
    """Whether the entity topic holds no record (a fresh, memory-only broker)."""
    tp = TopicPartition(settings.topic(ENTITIES_TOPIC), 0)
    consumer = kafka.consumer(settings)
    await consumer.start()
    try:
        end = (await consumer.end_offsets([tp]))[tp]
    finally:
        await consumer.stop()
    return int(end) == 0


async def rehydrate(
    settings: Settings, store: AsyncStore, producer: AsyncProducer, chunk: int = 5_000
) -> int:
    """Replay the archived entity events, in log order, into an empty entity topic."""
    if not await broker_log_is_empty(settings):
        return 0
    rows = await store.query(
        f"SELECT key, value_b64 FROM {store.database}.entity_archive "
        "ORDER BY offset, archived_at LIMIT 1 BY event_id"
    )
    total = len(rows.rows)
    if not total:
        return 0
    log.info("rehydrating %s entity events from the archive", total)
    topic = settings.topic(ENTITIES_TOPIC)
    for start in range(0, total, chunk):
        # The idempotent producer keeps order within the partition, so a chunk
        # may be in flight at once.
        await asyncio.gather(
            *(
                producer.send(topic, base64.b64decode(value_b64), key=key.encode())
                for key, value_b64 in rows.rows[start : start + chunk]
            )
        )
        log.info("rehydrated %s/%s", min(start + chunk, total), total)
    return total
