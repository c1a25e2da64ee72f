"""The third ClickHouse adapter: chDB owned by another process, over a Unix socket.

``VIGIL_CLICKHOUSE_URL=unix:///path/to/store.sock`` (``vigil dev`` sets it for its
API processes) makes :func:`infra.clickhouse.open_store` return this adapter. Each
thread keeps one connection; a broken connection is reopened once per call, and a
process that cannot be reached raises :class:`StoreError` (answered 503).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from typing import Any

import orjson
import pyarrow as pa

from infra.chjson import json_default, rows_from_json
from infra.clickhouse import Params, QuerySettings, Rows, StoreError
from infra.store_wire import FrameError, frame_length, header_of, message

TIMEOUT_S = 60.0  # a long explorer query still answers well within this


class RemoteStore:
    """Reach the chDB engine of the process serving ``path``."""

    def __init__(self, path: str, database: str) -> None:
        self.path = path
        self.database = database
        self._local = threading.local()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def command(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns nothing."""
        self._call({"op": "command", "sql": sql, "params": dict(params or {})})

    def query(
        self, sql: str, params: Params = None, settings: QuerySettings = None
    ) -> Rows:
        """Run a query and return its rows."""
        header = {"op": "query", "sql": sql, "params": dict(params or {})}
        if settings:
            header["settings"] = dict(settings)
        return rows_from_json(self._call(header) or b"")

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        dedup_token: str | None = None,
    ) -> None:
        """Insert rows as one block; a repeated ``dedup_token`` inserts nothing."""
        body = orjson.dumps([list(r) for r in rows], default=json_default)
        header = {"op": "insert", "table": table, "columns": list(columns)}
        self._call({**header, "token": dedup_token}, body)

    def insert_arrow(
        self, table: str, data: pa.Table, dedup_token: str | None = None
    ) -> None:
        """Insert an Arrow table as one block (sent as an Arrow IPC stream)."""
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as stream:
            stream.write_table(data)
        body = sink.getvalue().to_pybytes()
        self._call({"op": "insert_arrow", "table": table, "token": dedup_token}, body)

    def readiness(self) -> dict[str, str]:
        """The owning process's readiness checks."""
        checks = header_of(self._exchange(message({"op": "ready"}))[0]).get("checks")
        return dict(checks or {})

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def _call(self, header: dict[str, Any], body: bytes | None = None) -> bytes | None:
        answer, data = self._exchange(message(header, body))
        reply = header_of(answer)
        if "error" in reply:
            raise StoreError(str(reply["error"]))
        return data

    def _exchange(self, request: bytes) -> tuple[bytes, bytes | None]:
        """Send one message, read the answer; reconnect once on a broken socket."""
        for attempt in (1, 2):
            sock = self._socket()
            try:
                sock.sendall(request)
                return _read_message(sock)
            except (OSError, FrameError) as ex:
                self._drop(sock)
                if attempt == 2:
                    raise StoreError(f"ClickHouse owner unreachable: {ex}") from ex
        raise AssertionError("unreachable")  # pragma: no cover

    def _socket(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(TIMEOUT_S)
            try:
                sock.connect(self.path)
            except OSError as ex:
                sock.close()
                raise StoreError(f"ClickHouse owner unreachable: {ex}") from ex
            self._local.sock = sock
            with self._lock:
                self._sockets.append(sock)
        return sock

    def _drop(self, sock: socket.socket) -> None:
        self._local.sock = None
        with self._lock:
            if sock in self._sockets:
                self._sockets.remove(sock)
        sock.close()


def _read_message(sock: socket.socket) -> tuple[bytes, bytes | None]:
    header = _read_frame(sock)
    has_body = header_of(header).get("body")
    return header, _read_frame(sock) if has_body else None


def _read_frame(sock: socket.socket) -> bytes:
    length = frame_length(_read_exactly(sock, 4))
    return _read_exactly(sock, length)


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise FrameError("the store server closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
