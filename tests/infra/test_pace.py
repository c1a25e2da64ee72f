"""How long a consumer lets the broker hold its fetches (infra.consumer.Pace)."""

from __future__ import annotations

from types import SimpleNamespace

from infra.consumer import Pace, set_fetch_wait
from tests.clock import ManualClock


def test_a_quiet_consumer_asks_rarely_and_a_busy_one_quickly() -> None:
    clock = ManualClock(100.0)
    pace = Pace(5, 100, linger_s=2.0, clock=clock)
    assert pace.wait_ms() == 100  # nothing came yet
    pace.touch()
    assert pace.wait_ms() == 5
    clock.now += 1.9
    assert pace.wait_ms() == 5  # still within the linger
    clock.now += 0.2
    assert pace.wait_ms() == 100


def test_an_open_stream_keeps_it_quick_until_it_closes() -> None:
    clock = ManualClock(100.0)
    pace = Pace(5, 100, linger_s=1.0, clock=clock)
    pace.enter()
    pace.enter()
    clock.now += 60
    assert pace.wait_ms() == 5
    pace.leave()
    clock.now += 60
    assert pace.wait_ms() == 5  # one still open
    pace.leave()
    pace.leave()  # an extra leave does not go below zero
    assert pace.wait_ms() == 5  # the last close counts as activity
    clock.now += 1.1
    assert pace.wait_ms() == 100


def test_without_an_idle_wait_the_pace_is_fixed() -> None:
    pace = Pace(50)
    assert pace.wait_ms() == 50
    assert Pace(50, 10).wait_ms() == 50  # never quicker when idle than busy


def test_the_wait_goes_to_the_consumers_fetcher() -> None:
    consumer = SimpleNamespace(_fetcher=SimpleNamespace(_fetch_max_wait_ms=100))
    set_fetch_wait(consumer, 5)
    assert consumer._fetcher._fetch_max_wait_ms == 5
    set_fetch_wait(SimpleNamespace(), 5)  # not started yet: nothing to set
