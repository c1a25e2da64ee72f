"""Versioned ClickHouse migrations, applied in order and recorded in the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from infra.clickhouse import ClickHouseStore
from projections.watcher_facts import ARGUS_TABLES, WATCHER_TABLES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One schema step; ``{db}`` in a statement is the configured database."""

    version: int
    description: str
    statements: tuple[str, ...]


def _rollup(table: str, bucket_fn: str, partition_fn: str) -> tuple[str, str]:
    """A rollup table of numeric measurements and the view that feeds it."""
    return (
        f"""
        CREATE TABLE IF NOT EXISTS {{db}}.{table} (
            org_id     LowCardinality(String),
            binding_id UUID,
            bucket     DateTime('UTC'),
            sum        SimpleAggregateFunction(sum, Float64),
            count      SimpleAggregateFunction(sum, UInt64),
            min        SimpleAggregateFunction(min, Float64),
            max        SimpleAggregateFunction(max, Float64)
        )
        ENGINE = AggregatingMergeTree
        PARTITION BY {partition_fn}(bucket)
        ORDER BY (org_id, binding_id, bucket)
        SETTINGS non_replicated_deduplication_window = 10000
        """,
        f"""
        CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.{table}_mv TO {{db}}.{table} AS
        SELECT org_id, binding_id, {bucket_fn}(ts) AS bucket,
               sum(value) AS sum, count() AS count, min(value) AS min,
               max(value) AS max
        FROM {{db}}.measurements WHERE kind = 0
        GROUP BY org_id, binding_id, bucket
        """,
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "entity archive",
        (
            """
            CREATE TABLE IF NOT EXISTS {db}.entity_archive (
                topic_id    LowCardinality(String),
                partition   UInt16,
                offset      UInt64,
                event_id    String,
                entity_type LowCardinality(String),
                entity_id   String,
                org_id      String,
                version     UInt64,
                change      LowCardinality(String),
                occurred_at DateTime64(6, 'UTC'),
                key         String,
                value_b64   String CODEC(ZSTD(3)),
                archived_at DateTime64(6, 'UTC') DEFAULT now64(6)
            )
            ENGINE = MergeTree
            ORDER BY (topic_id, partition, offset)
            SETTINGS non_replicated_deduplication_window = 10000
            """,
        ),
    ),
    Migration(
        2,
        "measurements, 1 min and 1 h rollups, latest values",
        (
            """
            CREATE TABLE IF NOT EXISTS {db}.measurements (
                org_id      LowCardinality(String),
                device_id   UUID,
                binding_id  UUID,
                ts          DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
                kind        UInt8,
                value       Float64 CODEC(Gorilla, ZSTD(1)),
                text        String CODEC(ZSTD(3)),
                quality     UInt8,
                received_at DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
                topic_id    LowCardinality(String),
                partition   UInt16,
                offset      UInt64 CODEC(Delta, ZSTD(1))
            )
            ENGINE = ReplacingMergeTree(received_at)
            PARTITION BY toYYYYMM(ts)
            ORDER BY (org_id, binding_id, ts)
            SETTINGS non_replicated_deduplication_window = 10000
            """,
            *_rollup("measurements_1m", "toStartOfMinute", "toYYYYMM"),
            *_rollup("measurements_1h", "toStartOfHour", "toYear"),
            """
            CREATE TABLE IF NOT EXISTS {db}.latest (
                org_id     LowCardinality(String),
                device_id  UUID,
                binding_id UUID,
                last_ts    SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
                kind       AggregateFunction(argMax, UInt8, DateTime64(6, 'UTC')),
                value      AggregateFunction(argMax, Float64, DateTime64(6, 'UTC')),
                text       AggregateFunction(argMax, String, DateTime64(6, 'UTC'))
            )
            ENGINE = AggregatingMergeTree
            ORDER BY (org_id, device_id, binding_id)
            SETTINGS non_replicated_deduplication_window = 10000
            """,
            """
            CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.latest_mv TO {db}.latest AS
            SELECT org_id, device_id, binding_id, max(ts) AS last_ts,
                   argMaxState(kind, ts) AS kind, argMaxState(value, ts) AS value,
                   argMaxState(text, ts) AS text
            FROM {db}.measurements
            GROUP BY org_id, device_id, binding_id
            """,
        ),
    ),
    Migration(
        3,
        "alert transitions",
        (
            """
            CREATE TABLE IF NOT EXISTS {db}.alert_transitions (
                transition_id    UUID,
                event_id         UUID,
                org_id           LowCardinality(String),
                rule_id          String,
                rule_name        String,
                series_id        String,
                device_id        Nullable(String),
                device           String,
                quantity         String,
                quantity_slug    Nullable(String),
                severity         LowCardinality(String),
                status           LowCardinality(String),
                value            Nullable(Float64),
                triggered_at     DateTime64(6, 'UTC'),
                at               DateTime64(6, 'UTC'),
                alert_seq        UInt32,
                source_partition UInt16,
                source_topic     String,
                actor            Nullable(String),
                topic_id         LowCardinality(String),
                partition        UInt16,
                offset           UInt64
            )
            ENGINE = MergeTree
            ORDER BY (org_id, event_id, transition_id)
            SETTINGS non_replicated_deduplication_window = 10000
            """,
        ),
    ),
    Migration(4, "watcher mails, threads, actions and memories", WATCHER_TABLES),
    Migration(5, "argus conversations", ARGUS_TABLES),
)

RETENTION = (
    ("measurements", "toDateTime(ts)", "raw_retention_days"),
    ("measurements_1m", "bucket", "rollup_1m_retention_days"),
    ("measurements_1h", "bucket", "rollup_1h_retention_days"),
)


def apply_retention(store: ClickHouseStore, days: dict[str, int]) -> None:
    """Set each telemetry table's TTL from the settings (0 keeps data forever)."""
    for table, column, setting in RETENTION:
        keep = days[setting]
        ttl = (
            "REMOVE TTL" if keep <= 0 else f"MODIFY TTL {column} + INTERVAL {keep} DAY"
        )
        if keep <= 0 and not _has_ttl(store, table):
            continue
        store.command(
            f"ALTER TABLE {store.database}.{table} {ttl} "
            "SETTINGS materialize_ttl_after_modify = 0"
        )


def _has_ttl(store: ClickHouseStore, table: str) -> bool:
    rows = store.query(
        "SELECT create_table_query FROM system.tables "
        "WHERE database = {db:String} AND name = {t:String}",
        {"db": store.database, "t": table},
    )
    return " TTL " in (rows.scalar() or "")


def _ensure_ledger(store: ClickHouseStore) -> None:
    db = store.database
    store.command(f"CREATE DATABASE IF NOT EXISTS {db}")
    store.command(
        f"""CREATE TABLE IF NOT EXISTS {db}.schema_migrations (
            version UInt32, description String,
            applied_at DateTime64(6, 'UTC') DEFAULT now64(6)
        ) ENGINE = MergeTree ORDER BY version"""
    )


def applied_versions(store: ClickHouseStore) -> set[int]:
    """Versions already recorded in ``schema_migrations``."""
    _ensure_ledger(store)
    rows = store.query(f"SELECT version FROM {store.database}.schema_migrations")
    return {int(r[0]) for r in rows.rows}


def pending(store: ClickHouseStore) -> list[Migration]:
    """Migrations not yet applied, in version order."""
    done = applied_versions(store)
    return [
        m for m in sorted(MIGRATIONS, key=lambda m: m.version) if m.version not in done
    ]


def migrate(store: ClickHouseStore) -> list[Migration]:
    """Apply every pending migration in order; return what was applied."""
    applied = []
    for migration in pending(store):
        log.info("applying migration %s: %s", migration.version, migration.description)
        for statement in migration.statements:
            store.command(statement.format(db=store.database))
        store.insert(
            f"{store.database}.schema_migrations",
            ("version", "description"),
            [(migration.version, migration.description)],
        )
        applied.append(migration)
    return applied
