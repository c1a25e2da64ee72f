"""Argus memories in ClickHouse: the table and the projection that fills it.

Memories are append-only rows ordered by org and time (a newest-first listing
reads in order); each row carries its content's embedding, which search ranks
with ``cosineDistance``. The embedding column is stored uncompressed: float
vectors do not compress (LZ4 saved 8 %) and decompressing them was most of a
search's time (measured: a 100,000-row scan 4-5x faster with ``CODEC(NONE)``).
A fact stored twice (a replay past the deduplication window) is read once: reads
keep one row per ``memory_id``.
"""

from __future__ import annotations

import pyarrow as pa

from projections.sink import MICROS
from projections.watcher_facts import FactProjection
from schemas.ai_memory import AiMemoryRecorded, decode_ai_memory

AI_MEMORY_TABLES: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS {db}.ai_memories (
        memory_id String, org_id LowCardinality(String), content String,
        memory_type LowCardinality(String), salience Float64,
        embedding Array(Float32) CODEC(NONE), embedding_model LowCardinality(String),
        created_at DateTime64(6, 'UTC'), device_id Nullable(String),
        site_id Nullable(String), source LowCardinality(String),
        actor Nullable(String),
        topic_id LowCardinality(String), partition UInt16, offset UInt64
    ) ENGINE = MergeTree ORDER BY (org_id, created_at, memory_id)
    SETTINGS non_replicated_deduplication_window = 10000
    """,
)


def ai_memory_projection() -> FactProjection:
    """The projection of ``vigil.ai-memories.v1`` into ``ai_memories``."""
    return FactProjection(
        "ai-memories",
        AiMemoryRecorded,
        decode_ai_memory,
        "ai_memories",
        {
            "salience": pa.float64(),
            "embedding": pa.list_(pa.float32()),
            "created_at": MICROS,
        },
    )
