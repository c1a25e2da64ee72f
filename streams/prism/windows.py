"""Trailing-window buffers of Prism computed fields (pure: no Kafka, no Faust).

Each windowed operator occurrence in a field (``mavg``, ``rate``, ``integral``,
``wmin``, ``wmax``; one :class:`Window` per distinct op/variable/length) keeps a buffer
of ``(ts, value)`` points of its input variable, oldest first, timestamps strictly
increasing. The window is the half-open interval ``(newest_ts - seconds, newest_ts]``:

* a point with ``ts <= newest_ts - seconds`` leaves the window and is dropped, except
  that ``integral`` keeps the last such point (the *anchor*) to interpolate the value at
  the window start;
* a buffer holds at most :data:`MAX_POINTS` points; beyond that the oldest is dropped;
* a point older than the buffer's newest is out of order and ignored; one with the
  same timestamp as the newest replaces its value (a corrected re-delivery);
* non-finite values (NaN, inf) are never recorded.

Results (``None`` when undefined):

* ``mavg``: arithmetic mean of the points in the window (needs 1 point);
* ``rate``: ``(last - first) / (t_last - t_first)`` over the points in the window, per
  second (needs 2 points);
* ``integral``: trapezoidal integral over consecutive points, from the window start
  (value linearly interpolated between the anchor and the first point in the window)
  or, without an anchor, from the oldest point, to the newest (needs 2 points);
* ``wmin`` / ``wmax``: the smallest / largest value in the window (needs 1 point).

Sums are kept incrementally (recomputed exactly every :data:`MAX_POINTS` drops to stop
rounding drift) and extremes through a monotonic queue, so each update is O(1)
amortized. :class:`WindowState` is plain JSON for storage in a Faust table.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from streams import StreamsError

MAX_POINTS = 10_000
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


def _fsum(values: Iterable[float]) -> float:
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


class _Buffer:
    """The points of one window and the aggregate its op needs."""

    anchor: ClassVar[bool] = False

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ts: deque[float] = deque()
        self.vals: deque[float] = deque()
        self._drops = 0
        self.rebuild()

    def add(self, ts: float, value: float) -> None:
        """Record a point (see the module docstring for order and bounds)."""
        if self.ts and ts <= self.ts[-1]:
            if ts == self.ts[-1]:
                old, self.vals[-1] = self.vals[-1], value
                self._replaced(old, value)
            return
        self.ts.append(ts)
        self.vals.append(value)
        self._appended()
        start, keep = ts - self.seconds, int(self.anchor)
        while len(self.ts) > MAX_POINTS or (
            len(self.ts) > keep and self.ts[keep] <= start
        ):
            self._dropping()
            self.ts.popleft()
            self.vals.popleft()
            self._drops += 1
        if self._drops > MAX_POINTS:
            self.rebuild()

    def rebuild(self) -> None:
        """Recompute the aggregate from the points."""
        self._drops = 0

    def result(self) -> float | None:
        """Return the op's value over the window, None when undefined."""
        raise NotImplementedError

    def _appended(self) -> None:
        """Fold the newest point into the aggregate."""

    def _dropping(self) -> None:
        """Take the oldest point (about to be dropped) out of the aggregate."""

    def _replaced(self, old: float, new: float) -> None:
        """Adjust the aggregate after the newest value changed."""
        self.rebuild()


class _Mean(_Buffer):
    total: float

    def rebuild(self) -> None:
        super().rebuild()
        self.total = _fsum(self.vals)

    def _appended(self) -> None:
        self.total += self.vals[-1]

    def _dropping(self) -> None:
        self.total -= self.vals[0]

    def _replaced(self, old: float, new: float) -> None:
        self.total += new - old

    def result(self) -> float | None:
        if not self.vals:
            return None
        if not math.isfinite(self.total):
            self.rebuild()
        return self.total / len(self.vals)


class _Rate(_Buffer):
    def _replaced(self, old: float, new: float) -> None:
        pass

    def result(self) -> float | None:
        if len(self.ts) < 2:
            return None
        return (self.vals[-1] - self.vals[0]) / (self.ts[-1] - self.ts[0])


def _trapezoid(t0: float, v0: float, t1: float, v1: float) -> float:
    return (t1 - t0) * (v0 + v1) / 2.0


class _Integral(_Buffer):
    anchor = True
    total: float

    def rebuild(self) -> None:
        super().rebuild()
        ts, vals = self.ts, self.vals
        self.total = _fsum(
            [
                _trapezoid(ts[i], vals[i], ts[i + 1], vals[i + 1])
                for i in range(len(ts) - 1)
            ]
        )

    def _appended(self) -> None:
        if len(self.ts) >= 2:
            ts, vals = self.ts, self.vals
            self.total += _trapezoid(ts[-2], vals[-2], ts[-1], vals[-1])

    def _dropping(self) -> None:
        if len(self.ts) >= 2:
            ts, vals = self.ts, self.vals
            self.total -= _trapezoid(ts[0], vals[0], ts[1], vals[1])

    def _replaced(self, old: float, new: float) -> None:
        if len(self.ts) >= 2:
            self.total += (self.ts[-1] - self.ts[-2]) * (new - old) / 2.0

    def result(self) -> float | None:
        if len(self.ts) < 2:
            return None
        if not math.isfinite(self.total):
            self.rebuild()
        start = self.ts[-1] - self.seconds
        t0, v0, t1, v1 = self.ts[0], self.vals[0], self.ts[1], self.vals[1]
        if t0 >= start:
            return self.total
        at_start = v0 + (v1 - v0) * (start - t0) / (t1 - t0)
        return self.total - _trapezoid(t0, v0, start, at_start)


class _Extreme(_Buffer):
    """wmax (sign 1) or wmin (sign -1) through a queue of decreasing sign*value."""

    def __init__(self, seconds: float, sign: float) -> None:
        self.sign = sign
        self.mono: deque[tuple[float, float]] = deque()
        super().__init__(seconds)

    def rebuild(self) -> None:
        super().rebuild()
        self.mono.clear()
        for ts, value in zip(self.ts, self.vals, strict=True):
            self._push(ts, value)

    def _push(self, ts: float, value: float) -> None:
        key = self.sign * value
        while self.mono and self.mono[-1][1] <= key:
            self.mono.pop()
        self.mono.append((ts, key))

    def _appended(self) -> None:
        self._push(self.ts[-1], self.vals[-1])

    def _dropping(self) -> None:
        if self.mono and self.mono[0][0] == self.ts[0]:
            self.mono.popleft()

    def result(self) -> float | None:
        return self.sign * self.mono[0][1] if self.mono else None


def _new_buffer(window: Window) -> _Buffer:
    if window.op == "mavg":
        return _Mean(window.seconds)
    if window.op == "rate":
        return _Rate(window.seconds)
    if window.op == "integral":
        return _Integral(window.seconds)
    if window.op in ("wmin", "wmax"):
        return _Extreme(window.seconds, 1.0 if window.op == "wmax" else -1.0)
    raise WindowStateError(f"unknown window op {window.op!r}")


class WindowState:
    """Per-field evaluation state: one buffer per window; JSON-serializable."""

    def __init__(self) -> None:
        self._buffers: dict[Window, _Buffer] = {}

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
            "buffers": [
                {
                    "op": w.op,
                    "variable": w.variable,
                    "seconds": w.seconds,
                    "ts": list(b.ts),
                    "values": list(b.vals),
                }
                for w, b in self._buffers.items()
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WindowState:
        """Rebuild a state saved by :meth:`to_json`."""
        state = cls()
        try:
            if data.get("version") != _STATE_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            for item in data["buffers"]:
                window = Window(
                    str(item["op"]), str(item["variable"]), float(item["seconds"])
                )
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
                state._buffers[window] = buffer
        except (KeyError, TypeError, ValueError, AttributeError) as ex:
            raise WindowStateError(f"invalid window state: {ex}") from None
        return state
