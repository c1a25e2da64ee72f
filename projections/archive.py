"""Archive entity events in ClickHouse, and rehydrate an empty broker from it."""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

import pyarrow as pa
from aiokafka import TopicPartition

from infra import kafka
from infra.clickhouse import AsyncStore
from infra.kafka import AsyncProducer
from infra.settings import Settings
from projections.sink import MICROS, POSITION
from schemas.codec import decode_or_skip
from schemas.events import decode_entity_envelope
from schemas.topics import ENTITIES_TOPIC

log = logging.getLogger(__name__)


class EntityArchive:
    """Projection of ``vigil.entities.v1`` into ``entity_archive`` (raw bytes kept)."""

    name = "entity-archive"
    topic = ENTITIES_TOPIC
    table = "entity_archive"
    schema = pa.schema(
        [
            *POSITION,
            ("event_id", pa.string()),
            ("entity_type", pa.string()),
            ("entity_id", pa.string()),
            ("org_id", pa.string()),
            ("version", pa.uint64()),
            ("change", pa.string()),
            ("occurred_at", MICROS),
            ("key", pa.string()),
            ("value_b64", pa.string()),
        ]
    )

    def columns(
        self,
        topic_id: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
    ) -> dict[str, list[Any]] | None:
        """One archive row per entity event whose envelope decodes (the state is
        kept as bytes and not checked: a type this build does not know is kept)."""
        e = decode_or_skip(decode_entity_envelope, value, offset, "entity event")
        if e is None:
            return None
        row = (
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
        return {name: [v] for name, v in zip(self.schema.names, row, strict=True)}


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
