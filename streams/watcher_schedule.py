"""When a watcher's silence and scheduled ticks are due (pure).

Each watcher has a schedule in a Faust table: when mail last came, for which quiet
period a silence alert already fired, when the last tick fired, and the recent
trigger ids it ran (a redelivered trigger is not run twice). A clock check folds
the schedule and says which triggers are due; each fires once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from domain.states import Watcher

KEEP_DONE = 256


@dataclass(frozen=True)
class Schedule:
    """One watcher's schedule (times in seconds since the epoch)."""

    last_mail_at: float | None = None
    silence_fired_for: float | None = None
    last_tick_at: float | None = None
    done: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The schedule as table data."""
        data = dataclasses.asdict(self)
        data["done"] = list(self.done)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Schedule:
        """A schedule from table data (None: a new one)."""
        if not data:
            return cls()
        return cls(**{**data, "done": tuple(data.get("done", ()))})


@dataclass(frozen=True)
class Due:
    """A trigger the schedule says to fire: its type and a key unique to it."""

    type: str
    key: str
    detail: dict[str, Any]


def mail_seen(schedule: Schedule, at_s: float) -> Schedule:
    """Mail came at ``at_s``: a new quiet period starts."""
    last = max(schedule.last_mail_at or at_s, at_s)
    return dataclasses.replace(schedule, last_mail_at=last)


def ran(schedule: Schedule, trigger_id: str) -> Schedule:
    """Remember a trigger as run (the newest ``KEEP_DONE``)."""
    return dataclasses.replace(schedule, done=(*schedule.done, trigger_id)[-KEEP_DONE:])


def due(
    schedule: Schedule, watcher: Watcher, created_s: float, now_s: float
) -> tuple[list[Due], Schedule]:
    """The triggers due now, and the schedule after firing them. A paused watcher
    gets none (a tick overdue while paused fires once it is active again)."""
    if watcher.status != "active":
        return [], schedule
    fired: list[Due] = []
    quiet_since = schedule.last_mail_at or created_s
    quiet_s = watcher.silence_hours * 3600
    if now_s - quiet_since >= quiet_s and schedule.silence_fired_for != quiet_since:
        detail = {"silence_hours": watcher.silence_hours, "quiet_since": quiet_since}
        fired.append(Due("silence", f"{quiet_since:.6f}", detail))
        schedule = dataclasses.replace(schedule, silence_fired_for=quiet_since)
    last_tick = schedule.last_tick_at or created_s
    if now_s - last_tick >= watcher.tick_interval * 60:
        detail = {"tick_interval": watcher.tick_interval}
        fired.append(Due("scheduled_tick", f"{now_s:.6f}", detail))
        schedule = dataclasses.replace(schedule, last_tick_at=now_s)
    return fired, schedule
