"""The server adapter: a ClickHouse server or cluster through clickhouse-connect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import clickhouse_connect
import pyarrow as pa
from clickhouse_connect.driver.exceptions import ClickHouseError

from infra.clickhouse import Params, QuerySettings, Rows, StoreError, check_token


class ServerStore:
    """clickhouse-connect client; runs the same SQL as the chDB adapter."""

    def __init__(self, url: str, database: str) -> None:
        self.database = database
        try:
            self._client = clickhouse_connect.get_client(dsn=url)
        except ClickHouseError as ex:
            raise StoreError(f"cannot reach ClickHouse at {url}: {ex}") from ex

    def command(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns nothing."""
        try:
            self._client.command(sql, parameters=dict(params or {}))
        except ClickHouseError as ex:
            raise StoreError(str(ex)) from ex

    def query(
        self, sql: str, params: Params = None, settings: QuerySettings = None
    ) -> Rows:
        """Run a query and return its rows."""
        try:
            result = self._client.query(
                sql, parameters=dict(params or {}), settings=dict(settings or {})
            )
        except ClickHouseError as ex:
            raise StoreError(str(ex)) from ex
        rows: list[tuple[Any, ...]] = [tuple(r) for r in result.result_rows]
        return Rows(tuple(result.column_names), rows)

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        dedup_token: str | None = None,
    ) -> None:
        """Insert rows as one block."""
        if not rows:
            return
        settings = {}
        if dedup_token is not None:
            settings["insert_deduplication_token"] = check_token(dedup_token)
        try:
            self._client.insert(
                table, list(rows), column_names=list(columns), settings=settings
            )
        except ClickHouseError as ex:
            raise StoreError(str(ex)) from ex

    def insert_arrow(
        self, table: str, data: pa.Table, dedup_token: str | None = None
    ) -> None:
        """Insert an Arrow table as one block."""
        if data.num_rows == 0:
            return
        settings: dict[str, Any] = {}
        if dedup_token is not None:
            settings["insert_deduplication_token"] = check_token(dedup_token)
            settings["deduplicate_blocks_in_dependent_materialized_views"] = 1
        try:
            self._client.insert_arrow(table, data, settings=settings)
        except ClickHouseError as ex:
            raise StoreError(str(ex)) from ex

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()
