"""The alert lifecycle as a pure state machine (no Kafka, no Faust).

One :class:`SeriesState` per (rule, series). :func:`observe` folds a measurement in,
:func:`tick` advances time (for-durations and no-data), :func:`acknowledge` and
:func:`resolve` are the manual moves. Each returns the new state and the transitions
to emit; a measurement at or below the state's last source position is a re-delivery
and changes nothing, so Faust's at-least-once delivery emits each transition once.
:func:`check_manual_move` is the API's rule for which manual move an alert's status
allows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from domain.errors import Conflict, Invalid

Status = Literal["ok", "pending", "active", "acknowledged", "resolved"]
Kind = Literal["above", "below", "outside", "rate_of_change", "no_data"]
KINDS: tuple[str, ...] = ("above", "below", "outside", "rate_of_change", "no_data")
SEVERITIES = ("critical", "warning", "info")


class RuleError(Invalid):
    """A rule definition that cannot be evaluated; names the field (an
    :class:`~domain.errors.Invalid`, so the API answers it as a 400)."""


@dataclass(frozen=True)
class Condition:
    """What counts as a breach, and what clears it (hysteresis)."""

    kind: Kind
    threshold: float | None = None  # above / below / rate_of_change (per second)
    low: float | None = None  # outside
    high: float | None = None  # outside
    hysteresis: float = 0.0  # the value must come back this far past the limit
    silence_s: float | None = None  # no_data

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RuleError("kind", f"must be one of {', '.join(KINDS)}")
        if self.kind in {"above", "below", "rate_of_change"} and self.threshold is None:
            raise RuleError("threshold", f"is required for {self.kind}")
        if self.kind == "outside":
            if self.low is None or self.high is None or self.low >= self.high:
                raise RuleError("low", "outside needs low < high")
        if self.kind == "no_data" and not (self.silence_s and self.silence_s > 0):
            raise RuleError("silence_s", "no_data needs a positive silence_s")
        if self.hysteresis < 0:
            raise RuleError("hysteresis", "must be >= 0")

    def breached(self, value: float, rate: float | None) -> bool:
        """Whether a value (and its rate of change per second) is a breach."""
        if self.kind == "above":
            return value > self._t
        if self.kind == "below":
            return value < self._t
        if self.kind == "outside":
            return value < self._low or value > self._high
        if self.kind == "rate_of_change":
            return rate is not None and abs(rate) > self._t
        return False

    def cleared(self, value: float, rate: float | None) -> bool:
        """Whether a value is far enough back to clear an active alert."""
        h = self.hysteresis
        if self.kind == "above":
            return value <= self._t - h
        if self.kind == "below":
            return value >= self._t + h
        if self.kind == "outside":
            return self._low + h <= value <= self._high - h
        if self.kind == "rate_of_change":
            return rate is not None and abs(rate) <= self._t - h
        return True  # no_data clears on any data

    @property
    def _t(self) -> float:
        assert self.threshold is not None  # noqa: S101 - checked in __post_init__
        return self.threshold

    @property
    def _low(self) -> float:
        assert self.low is not None  # noqa: S101 - checked in __post_init__
        return self.low

    @property
    def _high(self) -> float:
        assert self.high is not None  # noqa: S101 - checked in __post_init__
        return self.high


@dataclass(frozen=True)
class Rule:
    """An alert rule: a condition held for ``for_s`` seconds fires at ``severity``."""

    rule_id: str
    condition: Condition
    severity: str = "warning"
    for_s: float = 0.0

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise RuleError("severity", f"must be one of {', '.join(SEVERITIES)}")
        if self.for_s < 0:
            raise RuleError("for_s", "must be >= 0")


@dataclass(frozen=True)
class SeriesState:
    """Where one series stands against one rule."""

    status: Status = "ok"
    breach_since: float | None = None  # start of the current breach (pending)
    last_ts: float | None = None  # time of the last observation
    last_value: float | None = None
    position: int = -1  # source offset of the last observation folded in
    alert_seq: int = 0  # bumps on each firing: names the alert event
    quiet_since: float | None = None  # a manual resolve restarts the silence clock


@dataclass(frozen=True)
class Transition:
    """A change of status, to emit once as an alert event."""

    status: Status
    at: float
    value: float | None
    alert_seq: int


Result = tuple[SeriesState, list[Transition]]
FIRING = ("active", "acknowledged")


def observe(
    rule: Rule, state: SeriesState, ts: float, value: float, position: int
) -> Result:
    """Fold a measurement at ``position`` into the state."""
    if position <= state.position:
        return state, []  # re-delivered: already folded
    if state.last_ts is not None and ts < state.last_ts:
        return replace(state, position=position), []  # late point: not a change now
    rate = None
    if (
        state.last_ts is not None
        and state.last_value is not None
        and ts > state.last_ts
    ):
        rate = (value - state.last_value) / (ts - state.last_ts)
    seen = replace(state, last_ts=ts, last_value=value, position=position)
    if rule.condition.kind == "no_data":
        return _recover(seen, ts, value) if state.status in FIRING else (seen, [])
    if state.status in FIRING:
        if rule.condition.cleared(value, rate):
            return _recover(seen, ts, value)
        return seen, []
    if not rule.condition.breached(value, rate):
        if state.status == "pending":
            return replace(seen, status="ok", breach_since=None), [
                Transition("ok", ts, value, state.alert_seq)
            ]
        return seen, []
    since = state.breach_since if state.status == "pending" else ts
    return _maybe_fire(rule, replace(seen, status="pending", breach_since=since), ts)


def tick(rule: Rule, state: SeriesState, now: float) -> Result:
    """Advance time: a pending breach may have lasted long enough; data may be late."""
    if rule.condition.kind == "no_data":
        silent_since = state.last_ts
        if silent_since is None or state.status in FIRING:
            return state, []
        silent_since = max(silent_since, state.quiet_since or silent_since)
        if now - silent_since >= (rule.condition.silence_s or 0):
            seq = state.alert_seq + 1
            fired = replace(
                state, status="active", alert_seq=seq, breach_since=silent_since
            )
            return fired, [Transition("active", now, None, seq)]
        return state, []
    if state.status == "pending":
        return _maybe_fire(rule, state, now)
    return state, []


def acknowledge(state: SeriesState, now: float) -> Result:
    """Someone has seen the active alert."""
    if state.status != "active":
        return state, []
    return replace(state, status="acknowledged"), [
        Transition("acknowledged", now, state.last_value, state.alert_seq)
    ]


def resolve(state: SeriesState, now: float) -> Result:
    """Resolve by hand (a no-data rule then waits a full silence again)."""
    if state.status not in FIRING:
        return state, []
    return _recover(replace(state, quiet_since=now), now, state.last_value)


def check_manual_move(status: str, kind: str) -> None:
    """Refuse a manual move the alert's status does not allow: only an active
    alert is acknowledged, only a firing one (active or acknowledged) resolved."""
    allowed = ("active",) if kind == "acknowledge" else FIRING
    if status not in allowed:
        raise Conflict(f"alert is {status}: cannot {kind} it")


def _maybe_fire(rule: Rule, state: SeriesState, now: float) -> Result:
    assert state.breach_since is not None  # noqa: S101 - pending has a start
    if now - state.breach_since < rule.for_s:
        return state, []
    seq = state.alert_seq + 1
    return replace(state, status="active", alert_seq=seq), [
        Transition("active", now, state.last_value, seq)
    ]


def _recover(state: SeriesState, at: float, value: float | None) -> Result:
    recovered = replace(state, status="resolved", breach_since=None)
    return recovered, [Transition("resolved", at, value, state.alert_seq)]
