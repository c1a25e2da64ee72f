"""The embedded ClickHouse adapter: chDB in this process, data in a directory."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
from chdb import session

from infra.chjson import json_default, rows_from_json
from infra.clickhouse import (
    Params,
    QuerySettings,
    Rows,
    StoreError,
    check_token,
    settings_clause,
)

_OUTPUT = "JSONCompact"
_SETTINGS = (
    "output_format_json_quote_64bit_integers=0, "
    "output_format_json_quote_decimals=0, date_time_output_format='iso'"
)


# chDB runs one engine per process, on one directory: stores share it, counted.
# A connection serves one statement at a time (query parameters are connection
# state, and a streaming insert locks its connection), so each engine has a small
# pool of reader connections and one writer connection.
READERS = 4


@dataclass
class _Engine:
    readers: queue.SimpleQueue[session.Session]
    all_readers: list[session.Session]
    writer: session.Session
    users: int = 0


_ENGINES: dict[str, _Engine] = {}
_ENGINES_LOCK = threading.Lock()
_WRITE_LOCK = threading.Lock()


def _acquire(path: str) -> _Engine:
    with _ENGINES_LOCK:
        engine = _ENGINES.get(path)
        if engine is None:
            try:
                readers = [session.Session(path) for _ in range(READERS)]
                engine = _Engine(queue.SimpleQueue(), readers, session.Session(path))
            except Exception as ex:  # chdb raises bare RuntimeError/Exception
                raise StoreError(f"cannot open chDB at {path}: {ex}") from ex
            for reader in readers:
                engine.readers.put(reader)
            _ENGINES[path] = engine
        engine.users += 1
        return engine


def _release(path: str) -> None:
    with _ENGINES_LOCK:
        engine = _ENGINES[path]
        engine.users -= 1
        if engine.users > 0:
            return
        del _ENGINES[path]
        engine.writer.close()
        for reader in engine.all_readers:
            reader.close()


class ChdbStore:
    """A handle on the process's chDB engine (chDB locks its directory)."""

    def __init__(self, path: str, database: str) -> None:
        self.database = database
        self.path = path
        self._engine = _acquire(path)
        self._writer = self._engine.writer
        self._closed = False

    def _run(self, sql: str, fmt: str, params: Params) -> Any:
        reader = self._engine.readers.get()
        try:
            return reader.query(sql, fmt, params=_literals(params))
        except Exception as ex:
            _drain(reader)
            raise StoreError(f"{ex}".strip()) from ex
        finally:
            self._engine.readers.put(reader)

    def command(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns nothing."""
        self._run(sql, "CSV", params)

    def query(
        self, sql: str, params: Params = None, settings: QuerySettings = None
    ) -> Rows:
        """Run a query; DateTime columns come back as aware UTC datetimes."""
        return rows_from_json(self.query_raw(sql, params, settings))

    def query_raw(
        self, sql: str, params: Params = None, settings: QuerySettings = None
    ) -> bytes:
        """Run a query and return chDB's JSONCompact answer as it is (what the
        store server sends to API processes, parsed there by
        :func:`rows_from_json`); ``settings`` follow the adapter's own."""
        extra = settings_clause(settings)
        clause = f"{_SETTINGS}, {extra}" if extra else _SETTINGS
        result = self._run(f"{sql}\nSETTINGS {clause}", _OUTPUT, params)
        raw: bytes = result.bytes()
        return raw

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        dedup_token: str | None = None,
    ) -> None:
        """Insert rows as one JSONEachRow block."""
        if not rows:
            return
        settings = ""
        if dedup_token is not None:
            settings = (
                f" SETTINGS insert_deduplication_token='{check_token(dedup_token)}'"
            )
        cols = ", ".join(columns)
        body = b"\n".join(
            orjson.dumps(dict(zip(columns, row, strict=True)), default=json_default)
            for row in rows
        )
        head = f"INSERT INTO {table} ({cols}){settings} FORMAT JSONEachRow\n"
        self._run(head + body.decode(), "CSV", None)

    def insert_arrow(
        self, table: str, data: pa.Table, dedup_token: str | None = None
    ) -> None:
        """Insert an Arrow table as one block (sent as an Arrow stream)."""
        if data.num_rows == 0:
            return
        cols = ", ".join(data.column_names)
        settings = ""
        if dedup_token is not None:
            settings = (
                f" SETTINGS insert_deduplication_token='{check_token(dedup_token)}',"
                " deduplicate_blocks_in_dependent_materialized_views=1"
            )
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as stream:
            stream.write_table(data)
        body = sink.getvalue().to_pybytes()
        with _WRITE_LOCK:
            try:
                inserter = self._writer.send_insert(
                    f"INSERT INTO {table} ({cols}){settings}", "ArrowStream"
                )
                inserter.append(body)
                inserter.finish()
            except Exception as ex:
                raise StoreError(f"{ex}".strip()) from ex

    def close(self) -> None:
        """Release this handle; the last one closes the engine and its lock."""
        if not self._closed:
            self._closed = True
            _release(self.path)


def _drain(reader: session.Session) -> None:
    """Discard what a failed statement left in the connection's output buffer.

    chDB keeps the output a statement wrote before failing (a limit or a bad value
    hit mid-stream) and hands it out ahead of the next statement's answer on the
    same connection; one throwaway query takes it.
    """
    with contextlib.suppress(Exception):
        reader.query("SELECT 1", "CSV")


def _literals(params: Params) -> dict[str, Any]:
    """chDB passes parameters as text: arrays need ClickHouse literal syntax."""
    return {
        k: _array_literal(v) if isinstance(v, list | tuple) else v
        for k, v in (params or {}).items()
    }


def _array_literal(values: Any) -> str:
    items = []
    for v in values:
        if isinstance(v, str):
            items.append("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'")
        else:
            items.append(str(v))
    return "[" + ",".join(items) + "]"
