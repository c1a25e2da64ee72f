"""One contract suite for every ClickHouse adapter.

chDB always runs; a ClickHouse server joins the suite when VIGIL_TEST_CLICKHOUSE_URL
names one (CI here has none: the server adapter runs the same SQL).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.clickhouse import ClickHouseStore, StoreError
from infra.settings import Settings

ADAPTERS = ["chdb"] + (
    ["server"] if os.environ.get("VIGIL_TEST_CLICKHOUSE_URL") else []
)


@pytest.fixture(params=ADAPTERS)
def store(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[ClickHouseStore]:
    from infra.clickhouse import open_store

    db = f"c_{uuid.uuid4().hex[:10]}"
    url = os.environ["VIGIL_TEST_CLICKHOUSE_URL"] if request.param == "server" else ""
    s = open_store(
        Settings(data_dir=data_dir, clickhouse_url=url, clickhouse_database=db)
    )
    s.command(f"CREATE DATABASE {db}")
    s.command(
        f"CREATE TABLE {db}.t (k String, v Float64, ts DateTime64(6, 'UTC')) "
        "ENGINE = MergeTree ORDER BY k "
        "SETTINGS non_replicated_deduplication_window = 100"
    )
    yield s
    s.command(f"DROP DATABASE {db}")
    s.close()


def test_insert_then_query_with_parameters(store: ClickHouseStore) -> None:
    ts = datetime(2026, 4, 13, 12, 0, 0, 123456, tzinfo=UTC)
    store.insert(
        f"{store.database}.t", ("k", "v", "ts"), [("a", 1.5, ts), ("b", 2.0, ts)]
    )
    rows = store.query(
        f"SELECT k, v, ts FROM {store.database}.t WHERE k = {{k:String}}", {"k": "a"}
    )
    assert rows.columns == ("k", "v", "ts")
    assert rows.rows == [("a", 1.5, ts)]


def test_datetimes_come_back_aware_utc(store: ClickHouseStore) -> None:
    ts = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.insert(f"{store.database}.t", ("k", "v", "ts"), [("a", 0.0, ts)])
    value = store.query(f"SELECT ts FROM {store.database}.t").scalar()
    assert value == ts and value.tzinfo is not None


def test_same_dedup_token_inserts_once(store: ClickHouseStore) -> None:
    table = f"{store.database}.t"
    for _ in range(3):
        store.insert(table, ("k", "v", "ts"), [("a", 1.0, datetime.now(UTC))], "tok:1")
    store.insert(table, ("k", "v", "ts"), [("a", 1.0, datetime.now(UTC))], "tok:2")
    assert store.query(f"SELECT count() FROM {table}").scalar() == 2


def test_bad_sql_raises_store_error(store: ClickHouseStore) -> None:
    with pytest.raises(StoreError):
        store.query("SELECT * FROM no_such_db.no_such_table")


def test_unsafe_dedup_token_is_refused(store: ClickHouseStore) -> None:
    with pytest.raises(StoreError, match="token"):
        store.insert(f"{store.database}.t", ("k",), [("a",)], "x'; DROP TABLE t")


def test_migrations_apply_once(store: ClickHouseStore) -> None:
    from projections.migrations import MIGRATIONS, migrate, pending

    assert [m.version for m in migrate(store)] == [m.version for m in MIGRATIONS]
    assert migrate(store) == []
    assert pending(store) == []
    tables = store.query(f"SHOW TABLES FROM {store.database}").rows
    assert ("entity_archive",) in tables


def test_array_parameters_are_quoted(store: ClickHouseStore) -> None:
    rows = store.query(
        "SELECT has({xs:Array(String)}, 'it''s'), length({xs:Array(String)})",
        {"xs": ["a", "it's", "b\\\\c"]},
    )
    assert rows.rows == [(1, 3)]


def test_parameters_hold_under_concurrent_queries(store: ClickHouseStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def ask(x: int) -> int:
        return int(store.query("SELECT {x:UInt32} + 0 AS v", {"x": x}).scalar())

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(400)))
    assert answers == list(range(400))
