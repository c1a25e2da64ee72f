"""A monotonic clock that tests move by hand (``clock.now += 1.5``)."""

from __future__ import annotations


class ManualClock:
    """Callable like ``time.monotonic``; reads ``now``."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
