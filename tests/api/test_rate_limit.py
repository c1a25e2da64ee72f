from __future__ import annotations

from api.rate_limit import RateLimiter, retry_after
from tests.clock import ManualClock


def test_burst_then_refusal_then_refill() -> None:
    clock = ManualClock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.take("k") for _ in range(3)] == [0, 0, 0]
    wait = limiter.take("k")
    assert wait == 0.5
    clock.now = 0.5
    assert limiter.take("k") == 0


def test_keys_are_limited_apart() -> None:
    limiter = RateLimiter(rate=1, burst=1, clock=ManualClock())
    assert limiter.take("a") == 0
    assert limiter.take("a") > 0
    assert limiter.take("b") == 0


def test_retry_after_is_whole_seconds() -> None:
    assert retry_after(0.01) == 1
    assert retry_after(2.2) == 3
