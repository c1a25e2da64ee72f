"""One contract suite for every ClickHouse adapter.

chDB always runs, in this process and through the store server of the process that
owns it (the remote adapter API processes use); a ClickHouse server joins the suite
when VIGIL_TEST_CLICKHOUSE_URL names one (CI here has none: the server adapter runs
the same SQL).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.clickhouse import ClickHouseStore, StoreError
from infra.settings import Settings

ADAPTERS = ["chdb", "remote"] + (
    ["server"] if os.environ.get("VIGIL_TEST_CLICKHOUSE_URL") else []
)


@contextlib.contextmanager
def served(data_dir: Path) -> Iterator[str]:
    """A store server on chDB in a thread of its own (as the owning process runs
    it): yields the ``unix://`` URL of its socket."""
    from infra.chdb_store import ChdbStore
    from infra.store_server import StoreServer

    data_dir.joinpath("chdb").mkdir(parents=True, exist_ok=True)
    owner = ChdbStore(str(data_dir / "chdb"), "vigil")
    path = Path(tempfile.mkdtemp()) / "store.sock"  # AF_UNIX paths must be short
    loop = asyncio.new_event_loop()

    async def ready() -> dict[str, str]:
        return {"owner": "ok"}

    server = StoreServer(owner, path, ready)
    loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"unix://{path}"
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        owner.close()


@pytest.fixture(params=ADAPTERS)
def store(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[ClickHouseStore]:
    from infra.clickhouse import open_store

    db = f"c_{uuid.uuid4().hex[:10]}"
    with contextlib.ExitStack() as stack:
        url = ""
        if request.param == "server":
            url = os.environ["VIGIL_TEST_CLICKHOUSE_URL"]
        elif request.param == "remote":
            url = stack.enter_context(served(data_dir))
        s = open_store(
            Settings(data_dir=data_dir, clickhouse_url=url, clickhouse_database=db)
        )
        yield from _with_table(s, db)


def _with_table(s: ClickHouseStore, db: str) -> Iterator[ClickHouseStore]:
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


def test_query_settings_bound_one_query_only(store: ClickHouseStore) -> None:
    table = f"{store.database}.t"
    now = datetime.now(UTC)
    store.insert(table, ("k", "v", "ts"), [("a", 1.0, now), ("b", 2.0, now)])
    limits = {"readonly": 1, "max_result_rows": 1, "max_execution_time": 5}
    with pytest.raises(StoreError):
        store.query(f"SELECT k FROM {table}", settings=limits)
    assert store.query(f"SELECT count() FROM {table}", settings=limits).scalar() == 2
    for _ in range(8):  # every pooled connection is still writable afterwards
        store.query(f"SELECT k FROM {table} LIMIT 1", settings=limits)
    store.insert(table, ("k", "v", "ts"), [("c", 3.0, now)])
    assert store.query(f"SELECT count() FROM {table}").scalar() == 3


def test_unsafe_query_setting_is_refused(store: ClickHouseStore) -> None:
    with pytest.raises(StoreError, match="setting"):
        store.query("SELECT 1", settings={"readonly": "0, max_threads=1"})


def test_parameters_hold_under_concurrent_queries(store: ClickHouseStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def ask(x: int) -> int:
        return int(store.query("SELECT {x:UInt32} + 0 AS v", {"x": x}).scalar())

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(400)))
    assert answers == list(range(400))


def test_remote_store_without_its_owner_raises_store_error(tmp_path: Path) -> None:
    from infra.remote_store import RemoteStore

    remote = RemoteStore(str(tmp_path / "gone.sock"), "vigil")
    with pytest.raises(StoreError, match="unreachable"):
        remote.query("SELECT 1")


def test_remote_store_reports_its_owners_readiness(data_dir: Path) -> None:
    from infra.remote_store import RemoteStore

    with served(data_dir) as url:
        remote = RemoteStore(url.removeprefix("unix://"), "vigil")
        assert remote.readiness() == {"owner": "ok"}
        remote.close()
