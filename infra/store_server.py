"""Serve this process's chDB engine to API processes on a Unix socket.

Operations: ``query`` (answers chDB's JSONCompact bytes), ``command``, ``insert``
(rows as JSON), ``insert_arrow`` (an Arrow IPC stream) and ``ready`` (the owning
process's readiness checks). Each runs in the store's worker threads; a failing
statement answers ``{"error": ...}``, which the client raises as ``StoreError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from infra.chdb_store import ChdbStore
from infra.clickhouse import StoreError
from infra.store_wire import FrameError, frame_length, header_of, message

log = logging.getLogger(__name__)
Readiness = Callable[[], Awaitable[dict[str, str]]]


class StoreServer:
    """Answer store operations from API processes, one connection at a time each."""

    def __init__(
        self, store: ChdbStore, path: Path, readiness: Readiness, threads: int = 8
    ) -> None:
        self.store = store
        self.path = path
        self.readiness = readiness
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="store-server")
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        """Listen (replacing a socket file a killed owner left behind)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, str(self.path))
        os.chmod(self.path, 0o600)  # only this user's processes reach the data
        log.info("serving ClickHouse on %s", self.path)

    async def stop(self) -> None:
        """Stop listening and finish the worker threads."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self._pool.shutdown(wait=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                header, body = await _read_message(reader)
                writer.write(await self._answer(header, body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away
        except FrameError as ex:
            log.warning("closing a store connection: %s", ex)
        finally:
            writer.close()

    async def _answer(self, header: dict[str, Any], body: bytes | None) -> bytes:
        op = header.get("op")
        try:
            if op == "ready":
                return message({"checks": await self.readiness()})
            run = _OPS.get(str(op))
            if run is None:
                return message({"error": f"unknown operation {op!r}"})
            loop = asyncio.get_running_loop()
            out = await loop.run_in_executor(self._pool, run, self.store, header, body)
        except StoreError as ex:
            return message({"error": str(ex)})
        except Exception as ex:  # a malformed request: answered, never fatal
            log.warning("store operation %s failed", op, exc_info=True)
            return message({"error": f"{type(ex).__name__}: {ex}"})
        return message({}, out)


async def _read_message(
    reader: asyncio.StreamReader,
) -> tuple[dict[str, Any], bytes | None]:
    header = header_of(await _read_frame(reader))
    body = await _read_frame(reader) if header.get("body") else None
    return header, body


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    length = frame_length(await reader.readexactly(4))
    return await reader.readexactly(length)


def _query(store: ChdbStore, h: dict[str, Any], body: bytes | None) -> bytes:
    return store.query_raw(h["sql"], h.get("params"), h.get("settings"))


def _command(store: ChdbStore, h: dict[str, Any], body: bytes | None) -> None:
    store.command(h["sql"], h.get("params"))


def _insert(store: ChdbStore, h: dict[str, Any], body: bytes | None) -> None:
    rows = orjson.loads(body or b"[]")
    store.insert(h["table"], h["columns"], rows, h.get("token"))


def _insert_arrow(store: ChdbStore, h: dict[str, Any], body: bytes | None) -> None:
    table = pa.ipc.open_stream(body or b"").read_all()
    store.insert_arrow(h["table"], table, h.get("token"))


_OPS: dict[str, Callable[[ChdbStore, dict[str, Any], bytes | None], Any]] = {
    "query": _query,
    "command": _command,
    "insert": _insert,
    "insert_arrow": _insert_arrow,
}
