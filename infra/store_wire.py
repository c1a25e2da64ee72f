"""The frames between API processes and the process that owns chDB (pure framing).

chDB locks its directory, so one process (the stream worker of ``vigil dev``) owns
it and serves it on a Unix socket; API processes reach it through
:mod:`infra.remote_store`. Every message is a header frame (JSON) and, when the
header says so, a body frame (raw bytes: chDB's JSONCompact answer, or an Arrow IPC
stream to insert). A frame is a 4-byte big-endian length and the bytes.
"""

from __future__ import annotations

import struct
from typing import Any

import orjson

LENGTH = struct.Struct(">I")
MAX_FRAME = 1 << 30  # one answer or insert block; ClickHouse blocks are far smaller


class FrameError(Exception):
    """The peer sent something that is not a frame of this protocol."""


def frame(payload: bytes) -> bytes:
    """``payload`` with its length in front."""
    return LENGTH.pack(len(payload)) + payload


def message(header: dict[str, Any], body: bytes | None = None) -> bytes:
    """A header frame and, when ``body`` is given, a body frame."""
    head = frame(orjson.dumps({**header, "body": body is not None}))
    return head if body is None else head + frame(body)


def frame_length(prefix: bytes) -> int:
    """The length announced by a 4-byte prefix (checked against the limit)."""
    (length,) = LENGTH.unpack(prefix)
    if length > MAX_FRAME:
        raise FrameError(f"frame of {length} bytes is over the limit")
    return int(length)


def header_of(payload: bytes) -> dict[str, Any]:
    """The JSON header of a message."""
    try:
        header = orjson.loads(payload)
    except orjson.JSONDecodeError as ex:
        raise FrameError("the header is not JSON") from ex
    if not isinstance(header, dict):
        raise FrameError("the header is not an object")
    return header
