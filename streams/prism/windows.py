"""Trailing windows of Prism computed fields: specs, lengths and state (pure).

Each windowed operator occurrence in a field (``mavg``, ``rate``, ``integral``,
``wmin``, ``wmax``; one :class:`Window` per distinct op/variable/length) keeps a buffer
of the points of its input variable; how a buffer keeps its points and what each op
returns is described in :mod:`streams.prism.window_buffers`. :func:`parse_duration`
reads window lengths. :class:`WindowState` holds a field's buffers and is plain JSON
for storage in a Faust table (no Kafka, no Faust here).
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams import StreamsError
from streams.prism.window_buffers import (
    MAX_POINTS,
    Buffer,
    Extreme,
    Integral,
    Mean,
    Rate,
)

MAX_WINDOW_SECONDS = 7 * 86_400.0
WINDOW_OPS = ("mavg", "rate", "integral", "wmin", "wmax")
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)")
_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3_600.0, "d": 86_400.0}
_STATE_VERSION = 1


class WindowStateError(StreamsError):
    """Stored window state that cannot be loaded."""


@dataclass(frozen=True)
class Window:
    """One windowed operator occurrence: an op over a variable's trailing window."""

    op: str  # "mavg" | "rate" | "integral" | "wmin" | "wmax"
    variable: str
    seconds: float


def parse_duration(spec: str | float) -> float:
    """Return a window length in seconds ("30s", "5m", "1h", "1d" or plain seconds)."""
    if isinstance(spec, str):
        match = _DURATION.fullmatch(spec.strip())
        if match is None:
            raise ValueError(f"invalid duration {spec!r}")
        seconds = float(match.group(1)) * _SECONDS[match.group(2)]
    else:
        seconds = float(spec)
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_WINDOW_SECONDS):
        raise ValueError(f"window must be > 0 and <= 7 days, got {spec!r}")
    return seconds


def _new_buffer(window: Window) -> Buffer:
    if window.op == "mavg":
        return Mean(window.seconds)
    if window.op == "rate":
        return Rate(window.seconds)
    if window.op == "integral":
        return Integral(window.seconds)
    if window.op in ("wmin", "wmax"):
        return Extreme(window.seconds, 1.0 if window.op == "wmax" else -1.0)
    raise WindowStateError(f"unknown window op {window.op!r}")


def _buffer_to_json(window: Window, buffer: Buffer) -> dict[str, Any]:
    return {
        "op": window.op,
        "variable": window.variable,
        "seconds": window.seconds,
        "ts": list(buffer.ts),
        "values": list(buffer.vals),
    }


def _buffer_from_json(item: Mapping[str, Any]) -> tuple[Window, Buffer]:
    """Rebuild one saved buffer; ValueError (or a lookup error) if it is malformed."""
    window = Window(str(item["op"]), str(item["variable"]), float(item["seconds"]))
    ts = [float(t) for t in item["ts"]]
    vals = [float(v) for v in item["values"]]
    if window.op not in WINDOW_OPS or len(ts) != len(vals):
        raise ValueError(f"malformed buffer for {window}")
    ts, vals = ts[-MAX_POINTS:], vals[-MAX_POINTS:]
    parse_duration(window.seconds)
    ordered = all(a < b for a, b in zip(ts, ts[1:], strict=False))
    finite = all(map(math.isfinite, ts + vals))
    if not (ordered and finite):
        raise ValueError(f"points of {window} not finite and increasing")
    buffer = _new_buffer(window)
    buffer.ts, buffer.vals = deque(ts), deque(vals)
    buffer.rebuild()
    return window, buffer


class WindowState:
    """Per-field evaluation state: one buffer per window; JSON-serializable."""

    def __init__(self) -> None:
        self._buffers: dict[Window, Buffer] = {}

    def observe(self, window: Window, ts: float, value: float) -> float | None:
        """Record a point of the window's variable and return the window's result
        (None for a point older than the newest: the window has moved past it, and
        a redelivered old point must not rewrite its time with today's window)."""
        buffer = self._buffers.get(window)
        if buffer is None:
            buffer = self._buffers[window] = _new_buffer(window)
        if buffer.ts and ts < buffer.ts[-1]:
            return None
        if math.isfinite(value) and math.isfinite(ts):
            buffer.add(float(ts), float(value))
        return buffer.result()

    def points(self, window: Window) -> int:
        """Return how many points the window's buffer holds (0 if none yet)."""
        buffer = self._buffers.get(window)
        return len(buffer.ts) if buffer else 0

    def to_json(self) -> dict[str, Any]:
        """Return the state as plain JSON (lists of timestamps and values)."""
        return {
            "version": _STATE_VERSION,
            "buffers": [_buffer_to_json(w, b) for w, b in self._buffers.items()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WindowState:
        """Rebuild a state saved by :meth:`to_json`."""
        state = cls()
        try:
            if data.get("version") != _STATE_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            for item in data["buffers"]:
                window, buffer = _buffer_from_json(item)
                state._buffers[window] = buffer
        except (KeyError, TypeError, ValueError, AttributeError) as ex:
            raise WindowStateError(f"invalid window state: {ex}") from None
        return state
