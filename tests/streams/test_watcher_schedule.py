"""Silence and scheduled ticks fire once each (the schedule fold, pure)."""

from __future__ import annotations

import msgspec

from domain.states import Watcher
from streams.watcher_schedule import Schedule, due, mail_seen, ran

W = Watcher(
    created_at="2026-12-01T00:00:00Z",
    name="n",
    system_prompt="p",
    slug="n",
    ingest_token="tok_x",
    signing_secret="s",
    silence_hours=1.0,
    tick_interval=10.0,
)
T0 = 1_000_000.0


def test_silence_fires_once_per_quiet_period() -> None:
    s = mail_seen(Schedule(), T0)
    fired, s = due(s, W, T0 - 100, T0 + 3599)
    assert "silence" not in [d.type for d in fired]
    fired, s = due(s, W, T0 - 100, T0 + 3600)
    assert [d.type for d in fired if d.type == "silence"] == ["silence"]
    again, s = due(s, W, T0 - 100, T0 + 7200)
    assert [d.type for d in again if d.type == "silence"] == []
    s = mail_seen(s, T0 + 8000)
    fired, s = due(s, W, T0 - 100, T0 + 8000 + 3600)
    assert "silence" in [d.type for d in fired]


def test_ticks_fire_every_interval_and_never_twice_for_one_check() -> None:
    s = Schedule()
    fired, s = due(s, W, T0, T0 + 599)
    assert fired == []
    fired, s = due(s, W, T0, T0 + 600)
    assert [d.type for d in fired] == ["scheduled_tick"]
    fired, s = due(s, W, T0, T0 + 600)
    assert fired == []
    fired, s = due(s, W, T0, T0 + 1200)
    assert [d.type for d in fired] == ["scheduled_tick"]


def test_a_paused_watcher_gets_no_triggers() -> None:
    paused = msgspec.structs.replace(W, status="paused")
    fired, _ = due(Schedule(), paused, T0, T0 + 10**6)
    assert fired == []


def test_the_schedule_round_trips_and_remembers_a_bounded_set_of_runs() -> None:
    s = Schedule(last_mail_at=T0)
    for i in range(300):
        s = ran(s, f"tr_{i}")
    assert len(s.done) == 256 and s.done[-1] == "tr_299"
    assert Schedule.from_dict(s.to_dict()) == s
    assert Schedule.from_dict(None) == Schedule()
