"""Watcher facts in ClickHouse: the tables and the projections that fill them.

Mails, thread changes and actions are append-only rows (a fact re-sent after a
crash is a second row with the same id: reads keep one per id). Memories are
state-carrying: a ReplacingMergeTree keeps each memory's newest version, read with
``FINAL``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import orjson
import pyarrow as pa

from projections.sink import MICROS, POSITION
from schemas.codec import decode_or_skip
from schemas.watcher_facts import (
    ActionRecorded,
    ArgusMessageSent,
    InvestigationChanged,
    MailReceived,
    MemoryChanged,
    ThreadChanged,
    decode_action,
    decode_argus_message,
    decode_investigation,
    decode_mail,
    decode_memory,
    decode_thread_change,
)

_POSITION_DDL = """
    topic_id    LowCardinality(String),
    partition   UInt16,
    offset      UInt64
"""
_DEDUP = "SETTINGS non_replicated_deduplication_window = 10000"

WATCHER_TABLES: tuple[str, ...] = (
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.watcher_mails (
        mail_id String, watcher_id String, org_id LowCardinality(String),
        message_id String, in_reply_to Nullable(String), references Array(String),
        subject String, sender String, sender_name String,
        recipients Array(String), text String, attachments String, size UInt64,
        received_at DateTime64(6, 'UTC'), {_POSITION_DDL}
    ) ENGINE = MergeTree ORDER BY (org_id, watcher_id, received_at, mail_id)
    {_DEDUP}
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.watcher_thread_changes (
        change_id String, thread_id String, watcher_id String,
        org_id LowCardinality(String), kind LowCardinality(String),
        subject Nullable(String), status Nullable(String), summary Nullable(String),
        flags Nullable(String), mail_id Nullable(String), sender Nullable(String),
        at DateTime64(6, 'UTC'), actor Nullable(String), {_POSITION_DDL}
    ) ENGINE = MergeTree ORDER BY (org_id, watcher_id, thread_id, at, change_id)
    {_DEDUP}
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.watcher_actions (
        action_id String, invocation_id String, watcher_id String,
        org_id LowCardinality(String), trigger_type LowCardinality(String),
        tool Nullable(String), arguments String, result String, ok Bool,
        thread_id Nullable(String), model String, prompt_tokens UInt64,
        completion_tokens UInt64, cost_usd Float64,
        created_at DateTime64(6, 'UTC'), {_POSITION_DDL}
    ) ENGINE = MergeTree ORDER BY (org_id, watcher_id, created_at, action_id)
    {_DEDUP}
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.watcher_memories (
        memory_id String, watcher_id String, org_id LowCardinality(String),
        version Int64, content String, importance UInt8, obsolete Bool,
        deleted Bool, source LowCardinality(String),
        created_at DateTime64(6, 'UTC'), at DateTime64(6, 'UTC'), {_POSITION_DDL}
    ) ENGINE = ReplacingMergeTree(version)
    ORDER BY (org_id, watcher_id, memory_id)
    {_DEDUP}
    """,
)

ARGUS_TABLES: tuple[str, ...] = (
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.argus_messages (
        message_id String, conversation_id String, org_id LowCardinality(String),
        user_id String, role LowCardinality(String), content String,
        at DateTime64(6, 'UTC'), tools Array(String), model String,
        prompt_tokens UInt64, completion_tokens UInt64, cost_usd Float64,
        {_POSITION_DDL}
    ) ENGINE = MergeTree ORDER BY (org_id, conversation_id, at, message_id)
    {_DEDUP}
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {{db}}.investigations (
        investigation_id String, org_id LowCardinality(String), version Int64,
        status LowCardinality(String), trigger LowCardinality(String),
        alert_event_id Nullable(String), device_id Nullable(String), title String,
        findings String, evidence String, model String, prompt_tokens UInt64,
        completion_tokens UInt64, cost_usd Float64,
        created_at DateTime64(6, 'UTC'), at DateTime64(6, 'UTC'), {_POSITION_DDL}
    ) ENGINE = ReplacingMergeTree(version) ORDER BY (org_id, investigation_id)
    {_DEDUP}
    """,
)

_S = pa.string()
_LIST = pa.list_(pa.string())


class FactProjection:
    """One row per fact, its fields as columns (with the source position)."""

    flush_ms = 50  # writers wait on these rows: flush them sooner than telemetry

    def __init__(
        self,
        name: str,
        fact: type[Any],
        decode: Callable[[bytes], Any],
        table: str,
        types: dict[str, pa.DataType],
    ) -> None:
        self.name = name
        self.topic: str = fact.topic
        self.table = table
        self.decode = decode
        self.fields = [f.name for f in dataclasses.fields(fact)]
        self.schema = pa.schema(
            [(n, types.get(n, _S)) for n in self.fields] + list(POSITION)
        )

    def columns(
        self,
        topic_id: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
    ) -> dict[str, list[Any]] | None:
        """The fact as one row."""
        fact = decode_or_skip(self.decode, value, offset, self.name)
        if fact is None:
            return None
        row = {n: _cell(n, getattr(fact, n)) for n in self.fields}
        row.update(topic_id=topic_id, partition=partition, offset=offset)
        return {n: [v] for n, v in row.items()}


# Fields holding records, stored as their JSON in a String column.
_JSON_FIELDS = frozenset({"attachments"})


def _cell(name: str, value: Any) -> Any:
    """Tuples become lists; a tuple of records becomes their JSON."""
    if name in _JSON_FIELDS:
        return orjson.dumps([dataclasses.asdict(v) for v in value]).decode()
    if isinstance(value, tuple):
        return list(value)
    return value


def fact_projections() -> list[FactProjection]:
    """The projections of every watcher fact topic."""
    return [
        FactProjection(
            "watcher-mails",
            MailReceived,
            decode_mail,
            "watcher_mails",
            {
                "references": _LIST,
                "recipients": _LIST,
                "size": pa.uint64(),
                "received_at": MICROS,
            },
        ),
        FactProjection(
            "watcher-threads",
            ThreadChanged,
            decode_thread_change,
            "watcher_thread_changes",
            {"at": MICROS},
        ),
        FactProjection(
            "watcher-actions",
            ActionRecorded,
            decode_action,
            "watcher_actions",
            {
                "ok": pa.bool_(),
                "prompt_tokens": pa.uint64(),
                "completion_tokens": pa.uint64(),
                "cost_usd": pa.float64(),
                "created_at": MICROS,
            },
        ),
        FactProjection(
            "argus-messages",
            ArgusMessageSent,
            decode_argus_message,
            "argus_messages",
            {
                "at": MICROS,
                "tools": _LIST,
                "prompt_tokens": pa.uint64(),
                "completion_tokens": pa.uint64(),
                "cost_usd": pa.float64(),
            },
        ),
        FactProjection(
            "investigations",
            InvestigationChanged,
            decode_investigation,
            "investigations",
            {
                "version": pa.int64(),
                "prompt_tokens": pa.uint64(),
                "completion_tokens": pa.uint64(),
                "cost_usd": pa.float64(),
                "created_at": MICROS,
                "at": MICROS,
            },
        ),
        FactProjection(
            "watcher-memories",
            MemoryChanged,
            decode_memory,
            "watcher_memories",
            {
                "version": pa.int64(),
                "importance": pa.uint8(),
                "obsolete": pa.bool_(),
                "deleted": pa.bool_(),
                "created_at": MICROS,
                "at": MICROS,
            },
        ),
    ]
