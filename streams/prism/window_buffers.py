"""Trailing-window buffers of Prism computed fields: one op's points and result (pure).

Each buffer keeps the ``(ts, value)`` points of one window's input variable, oldest
first, timestamps strictly increasing. The window is the half-open interval
``(newest_ts - seconds, newest_ts]``:

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
amortized.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from typing import ClassVar

MAX_POINTS = 10_000


def _fsum(values: Iterable[float]) -> float:
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


class Buffer:
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


class Mean(Buffer):
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


class Rate(Buffer):
    def _replaced(self, old: float, new: float) -> None:
        pass

    def result(self) -> float | None:
        if len(self.ts) < 2:
            return None
        return (self.vals[-1] - self.vals[0]) / (self.ts[-1] - self.ts[0])


def _trapezoid(t0: float, v0: float, t1: float, v1: float) -> float:
    return (t1 - t0) * (v0 + v1) / 2.0


class Integral(Buffer):
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


class Extreme(Buffer):
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
