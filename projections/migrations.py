"""Versioned ClickHouse migrations, applied in order and recorded in the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from infra.clickhouse import ClickHouseStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One schema step; ``{db}`` in a statement is the configured database."""

    version: int
    description: str
    statements: tuple[str, ...]


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
)


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
