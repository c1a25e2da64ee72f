"""The ClickHouse store: one interface, a chDB and a clickhouse-connect adapter."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa

from infra import InfraError
from infra.settings import Settings

Params = Mapping[str, Any] | None
# Per-query ClickHouse settings (limits, readonly): names and plain values only.
QuerySettings = Mapping[str, int | str] | None
_TOKEN = re.compile(r"^[A-Za-z0-9_.:+/=\-]{1,200}$")
_SETTING_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,80}$")
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9_.]{1,80}$")


class StoreError(InfraError):
    """A ClickHouse statement failed."""


@dataclass(frozen=True)
class Rows:
    """A query result: column names and row tuples."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        """The first column of the first row (None when empty)."""
        return self.rows[0][0] if self.rows else None


class ClickHouseStore(Protocol):
    """What Vigil needs of ClickHouse; SQL uses ``{name:Type}`` parameters."""

    database: str

    def command(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns nothing."""

    def query(
        self, sql: str, params: Params = None, settings: QuerySettings = None
    ) -> Rows:
        """Run a query and return its rows (``settings`` apply to it alone)."""

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        dedup_token: str | None = None,
    ) -> None:
        """Insert rows as one block; a repeated ``dedup_token`` inserts nothing."""

    def insert_arrow(
        self, table: str, data: pa.Table, dedup_token: str | None = None
    ) -> None:
        """Insert an Arrow table as one block; a repeated token inserts nothing."""

    def close(self) -> None:
        """Release the engine or connection."""


def check_token(token: str) -> str:
    """Return ``token`` if it is safe to inline as a dedup token."""
    if not _TOKEN.match(token):
        raise StoreError(f"bad deduplication token {token!r}")
    return token


def settings_clause(settings: QuerySettings) -> str:
    """``k=v, ...`` of checked query settings (values are numbers or words)."""
    items = []
    for name, value in (settings or {}).items():
        text = str(value)
        if not _SETTING_NAME.match(name) or not _SETTING_VALUE.match(text):
            raise StoreError(f"bad query setting {name}={text!r}")
        items.append(f"{name}={text}" if isinstance(value, int) else f"{name}='{text}'")
    return ", ".join(items)


def open_store(settings: Settings) -> ClickHouseStore:
    """Open the store the settings name: a server URL, a Unix socket served by the
    process that owns chDB (``unix:///…``), else embedded chDB."""
    if settings.clickhouse_url.startswith("unix://"):
        from infra.remote_store import RemoteStore

        path = settings.clickhouse_url.removeprefix("unix://")
        return RemoteStore(path, settings.clickhouse_database)
    if settings.clickhouse_url:
        from infra.chserver_store import ServerStore

        return ServerStore(settings.clickhouse_url, settings.clickhouse_database)
    from infra.chdb_store import ChdbStore

    settings.chdb_path.mkdir(parents=True, exist_ok=True)
    return ChdbStore(str(settings.chdb_path), settings.clickhouse_database)


class AsyncStore:
    """Run a store's blocking calls in worker threads, off the event loop.

    The composition root builds it before the engine is open (:meth:`attach`);
    until then every call raises :class:`StoreError` (answered 503).
    """

    def __init__(
        self, store: ClickHouseStore | None = None, threads: int = 4, database: str = ""
    ) -> None:
        self._store = store
        self.database = store.database if store is not None else database
        self._threads = threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="clickhouse")

    def attach(self, store: ClickHouseStore) -> None:
        """Use ``store`` from now on."""
        self._store = store
        self.database = store.database

    @property
    def sync(self) -> ClickHouseStore:
        """The blocking store (raises :class:`StoreError` before :meth:`attach`)."""
        if self._store is None:
            raise StoreError("ClickHouse is not open yet")
        return self._store

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def command(self, sql: str, params: Params = None) -> None:
        """See :meth:`ClickHouseStore.command`."""
        await self._run(self.sync.command, sql, params)

    async def query(
        self, sql: str, params: Params = None, settings: QuerySettings = None
    ) -> Rows:
        """See :meth:`ClickHouseStore.query`."""
        result: Rows = await self._run(self.sync.query, sql, params, settings)
        return result

    async def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        dedup_token: str | None = None,
    ) -> None:
        """See :meth:`ClickHouseStore.insert`."""
        await self._run(self.sync.insert, table, columns, rows, dedup_token)

    async def insert_arrow(
        self, table: str, data: pa.Table, dedup_token: str | None = None
    ) -> None:
        """See :meth:`ClickHouseStore.insert_arrow`."""
        await self._run(self.sync.insert_arrow, table, data, dedup_token)

    def close(self) -> None:
        """Stop the worker threads and close the store."""
        self._pool.shutdown(wait=True)
        if self._store is not None:
            self._store.close()
