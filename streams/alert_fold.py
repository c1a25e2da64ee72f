"""The alert evaluator's fold (pure: no Kafka, no Faust): measurement points,
alert commands, clock ticks and retired rules in; table updates and alert
transitions out.

The table maps ``"{rule_id}|{series_id}"`` to an :class:`Entry` as JSON. The fold
reads it as a ``Mapping`` and never writes it: the agent sends each
:class:`Update`'s transitions, then stores its value. A transition's ``event_id``
derives from (rule, series, firing, firing time), so a re-sent transition carries
the same id and consumers drop it as a repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain import alerting
from schemas.alerts import AlertCommandIssued, AlertTransitioned, alert_event_id
from schemas.events import NUMBER, MeasurementBatch
from streams.rules import RuleIndex, Series, Watch

POSITION_STRIDE = 1 << 20  # > the most measurements in one batch
Table = Mapping[str, Any]  # table key -> Entry JSON


@dataclass
class Entry:
    """A table value: the machine's state plus what the alert text needs."""

    state: alerting.SeriesState
    partition: int
    topic: str
    fired_at: float | None = None
    rule: tuple[str, str, str] | None = None  # (name, severity, org) when it fired

    def to_json(self) -> dict[str, Any]:
        """The JSON kept in the table."""
        return {
            "s": asdict(self.state),
            "p": self.partition,
            "t": self.topic,
            "f": self.fired_at,
            "r": self.rule,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        """Read a table value back."""
        rule = data.get("r")
        return cls(
            alerting.SeriesState(**data["s"]),
            data["p"],
            data["t"],
            data["f"],
            tuple(rule) if rule else None,
        )

    def orphan(self, rule_id: str) -> Watch | None:
        """A stand-in for the deleted or disabled rule this alert fired under (its
        condition is never evaluated: it only resolves the alert)."""
        if self.rule is None:
            return None
        name, severity, org_id = self.rule
        gone = alerting.Rule(
            rule_id, alerting.Condition("no_data", silence_s=1), severity
        )
        return Watch(gone, name, org_id)


@dataclass(frozen=True)
class Update:
    """What to store under a table key (None: forget it), after sending
    ``transitions``."""

    key: str
    value: dict[str, Any] | None
    transitions: list[AlertTransitioned]


@dataclass(frozen=True)
class Source:
    """Where a measurement batch was read: topic, partition and offset."""

    topic: str
    partition: int
    offset: int


@dataclass
class _Touched:
    """A key a batch touched: its entry so far and the transitions it made."""

    entry: Entry
    watch: Watch
    out: list[AlertTransitioned] = field(default_factory=list)


def table_key(rule_id: str, series_id: str) -> str:
    """The table key of one (rule, series)."""
    return f"{rule_id}|{series_id}"


def fold_points(
    rules: RuleIndex, table: Table, batch: MeasurementBatch, source: Source
) -> list[Update]:
    """Fold a batch's numeric points into every rule of its org watching them."""
    touched: dict[str, _Touched] = {}
    base = source.offset * POSITION_STRIDE
    for i, series_id in enumerate(batch.binding_ids):
        if batch.kinds[i] != NUMBER:
            continue
        for watch in rules.watching(series_id):
            if watch.org_id != batch.org_id:
                continue
            key = table_key(watch.rule.rule_id, series_id)
            if key not in touched:
                touched[key] = _Touched(_entry(table, key, source), watch)
            entry = touched[key].entry
            ts = batch.timestamps[i] / 1e6
            entry.state, moves = alerting.observe(
                watch.rule, entry.state, ts, batch.numbers[i], base + i
            )
            touched[key].out += transitions(rules, watch, series_id, entry, moves)
    return [Update(key, t.entry.to_json(), t.out) for key, t in touched.items()]


def fold_command(
    rules: RuleIndex, table: Table, partition: int, command: AlertCommandIssued
) -> list[Update]:
    """Fold a clock tick (for ``partition``), an acknowledge or a resolve."""
    if command.kind == "tick":
        return fold_tick(rules, table, partition, command.at.timestamp())
    key = table_key(command.rule_id or "", command.series_id or "")
    watch = rules.by_id.get(command.rule_id or "")
    raw = table.get(key)
    if watch is None or raw is None:
        return []
    entry = Entry.from_json(raw)
    if entry.state.alert_seq != command.alert_seq:
        return []  # aimed at an earlier firing
    move = alerting.acknowledge if command.kind == "acknowledge" else alerting.resolve
    entry.state, moves = move(entry.state, command.at.timestamp())
    series_id = command.series_id or ""
    out = transitions(rules, watch, series_id, entry, moves, command.actor)
    return [Update(key, entry.to_json(), out)] if moves else []


def fold_tick(
    rules: RuleIndex, table: Table, partition: int, now: float
) -> list[Update]:
    """Advance the clock for the keys of one partition; retire keys whose rule no
    longer watches their series."""
    updates = []
    for key, raw in table.items():
        if raw is None or raw["p"] != partition:
            continue
        rule_id, series_id = key.split("|", 1)
        watch = rules.by_id.get(rule_id)
        if watch is None or watch not in rules.watching(series_id):
            updates.append(retire(rules, key, Entry.from_json(raw), now))
            continue
        if watch.rule.condition.kind != "no_data" and raw["s"]["status"] != "pending":
            continue  # only pending breaches and silences move with the clock
        entry = Entry.from_json(raw)
        entry.state, moves = alerting.tick(watch.rule, entry.state, now)
        if moves:
            out = transitions(rules, watch, series_id, entry, moves)
            updates.append(Update(key, entry.to_json(), out))
    return updates


def retire(rules: RuleIndex, key: str, entry: Entry, now: float) -> Update:
    """The rule was deleted or disabled, or no longer targets the series (it
    was retargeted, the binding deleted, the device moved): resolve what it
    fired there, forget the key."""
    rule_id, series_id = key.split("|", 1)
    orphan = entry.orphan(rule_id)
    _, moves = alerting.resolve(entry.state, now)
    if orphan is None or not moves:
        return Update(key, None, [])
    return Update(key, None, transitions(rules, orphan, series_id, entry, moves))


def transitions(
    rules: RuleIndex,
    watch: Watch,
    series_id: str,
    entry: Entry,
    moves: list[alerting.Transition],
    actor: str | None = None,
) -> list[AlertTransitioned]:
    """The alert events of ``moves`` (a firing is remembered on ``entry``)."""
    series = rules.describe(series_id)
    out = []
    for move in moves:
        if move.status == "active":
            entry.fired_at = move.at
            entry.rule = (watch.name, watch.rule.severity, watch.org_id)
        if move.status not in alerting.FIRING and move.status != "resolved":
            continue  # pending -> ok is not an alert
        out.append(_transition(watch, series_id, series, entry, move, actor))
    return out


def _transition(
    watch: Watch,
    series_id: str,
    series: Series | None,
    entry: Entry,
    move: alerting.Transition,
    actor: str | None,
) -> AlertTransitioned:
    fired_at = entry.fired_at if entry.fired_at is not None else move.at
    # An alert keeps the severity it fired with, even if the rule changes.
    severity = entry.rule[1] if entry.rule else watch.rule.severity
    rule_id = watch.rule.rule_id
    return AlertTransitioned(
        event_id=alert_event_id(
            rule_id, series_id, move.alert_seq, round(fired_at * 1e6)
        ),
        org_id=watch.org_id,
        rule_id=rule_id,
        rule_name=watch.name,
        series_id=series_id,
        device_id=series.device_id if series else None,
        device=series.device if series else "",
        quantity=series.quantity if series else "",
        quantity_slug=series.quantity_slug if series else None,
        severity=severity,
        status=move.status,
        value=move.value,
        triggered_at=_when(fired_at),
        at=_when(move.at),
        alert_seq=move.alert_seq,
        source_partition=entry.partition,
        source_topic=entry.topic,
        actor=actor,
    )


def _entry(table: Table, key: str, source: Source) -> Entry:
    raw = table.get(key)
    if raw is None:
        return Entry(alerting.SeriesState(), source.partition, source.topic)
    return Entry.from_json(raw)


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
