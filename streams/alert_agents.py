"""Faust wiring of alert evaluation: one agent, one table keyed by (rule, series).

The agent reads measurement batches, Prism's derived points and alert commands
(clock ticks, acknowledge, resolve). All three topics have the same partition count
and a series always lands in the same partition, so the table entry of (rule, series)
is only ever touched by the worker that owns that partition, one event at a time.

Delivery is at least once. A transition is sent (and acknowledged by Kafka) before
the new state is written to the table; a redelivered measurement is skipped by its
source position, and a transition re-sent after a crash carries the same
``transition_id``, which every consumer (projection, SSE hub) drops as a repeat.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import faust

from infra.kafka import AsyncProducer, BrokerUnavailable
from infra.settings import Settings
from projections.entities import EntityState
from schemas.alerts import (
    AlertCommandIssued,
    AlertTransitioned,
    alert_event_id,
    decode_command,
    encode_command,
    encode_transition,
)
from schemas.codec import decode_or_skip
from schemas.events import NUMBER, BatchSource, decode_batch
from schemas.topics import (
    ALERT_COMMANDS_TOPIC,
    ALERTS_TOPIC,
    DERIVED_TOPIC,
    MEASUREMENTS_TOPIC,
)
from streams import alerting
from streams.rules import RuleIndex, Watch, current_index

log = logging.getLogger(__name__)
POSITION_STRIDE = 1 << 20  # > the most measurements in one batch


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


Update = tuple[str, Entry | None, list[AlertTransitioned]]  # None: forget the key


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class AlertEvaluator:
    """The agent's work, given the app, the read model and a producer."""

    def __init__(
        self, app: faust.App, settings: Settings, model: EntityState, producer: Any
    ) -> None:
        self.app = app
        self.settings = settings
        self.model = model
        self.producer: AsyncProducer = producer
        self.index: RuleIndex | None = None
        self.alerts_topic = settings.topic(ALERTS_TOPIC)
        self.commands_topic = settings.topic(ALERT_COMMANDS_TOPIC)
        self.table = app.Table(
            "alert-series", default=None, partitions=settings.topic_partitions
        )
        self.inputs = app.topic(
            settings.topic(MEASUREMENTS_TOPIC),
            settings.topic(DERIVED_TOPIC),
            self.commands_topic,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )
        app.agent(self.inputs, name="alert-evaluator")(self.run)
        app.timer(settings.alert_tick_s, name="alert-clock")(self.tick_all)

    async def run(self, stream: faust.StreamT[bytes]) -> None:
        """Fold every input event into the table, emitting transitions first."""
        async for event in stream.events():
            message = event.message
            if message.topic == self.commands_topic:
                updates = self._command(message.partition, message.value)
            else:
                updates = self._points(message.topic, message.partition, message)
            emitted = [t for _, _, ts in updates for t in ts]
            await self._emit(emitted)
            for key, entry, _ in updates:
                if entry is not None:
                    self.table[key] = entry.to_json()
                elif key in self.table:
                    del self.table[key]
            if emitted:
                # Shrink the window in which a crash leaves a sent transition
                # without its state (a redelivered tick may come after new data).
                await self.app.producer.flush()

    def _rules(self) -> RuleIndex:
        self.index = current_index(self.index, self.model)
        return self.index

    def _entry(self, key: str, partition: int, topic: str) -> Entry:
        raw = self.table.get(key)
        if raw is None:
            return Entry(alerting.SeriesState(), partition, topic)
        return Entry.from_json(raw)

    def _points(self, topic: str, partition: int, message: Any) -> list[Update]:
        rules = self._rules()
        if not rules.by_id:
            return []  # nothing to evaluate: skip decoding the batch
        batch = decode_or_skip(decode_batch, message.value, message.offset, "batch")
        if batch is None or batch.source == BatchSource.BACKFILL:
            return []  # undecodable, or history recomputed by a backfill
        touched: dict[str, tuple[Entry, Watch, list[AlertTransitioned]]] = {}
        base = message.offset * POSITION_STRIDE
        for i, series_id in enumerate(batch.binding_ids):
            if batch.kinds[i] != NUMBER:
                continue
            for watch in rules.watching(series_id):
                if watch.org_id != batch.org_id:
                    continue
                key = f"{watch.rule.rule_id}|{series_id}"
                entry, _, out = touched.get(key) or (
                    self._entry(key, partition, topic),
                    watch,
                    [],
                )
                ts = batch.timestamps[i] / 1e6
                state, moves = alerting.observe(
                    watch.rule, entry.state, ts, batch.numbers[i], base + i
                )
                entry.state = state
                out += self._events(rules, watch, series_id, entry, moves)
                touched[key] = (entry, watch, out)
        return [(key, e, out) for key, (e, _, out) in touched.items()]

    def _command(self, partition: int, value: bytes) -> list[Update]:
        try:
            command = decode_command(value)
        except Exception:  # an unreadable command is dropped, not retried forever
            log.warning("dropping an unreadable alert command")
            return []
        rules = self._rules()
        if command.kind == "tick":
            return self._tick(rules, partition, command.at.timestamp())
        key = f"{command.rule_id}|{command.series_id}"
        watch = rules.by_id.get(command.rule_id or "")
        raw = self.table.get(key)
        if watch is None or raw is None:
            return []
        entry = Entry.from_json(raw)
        if entry.state.alert_seq != command.alert_seq:
            return []  # aimed at an earlier firing
        move = (
            alerting.acknowledge if command.kind == "acknowledge" else alerting.resolve
        )
        entry.state, moves = move(entry.state, command.at.timestamp())
        out = self._events(
            rules, watch, command.series_id or "", entry, moves, command.actor
        )
        return [(key, entry, out)] if moves else []

    def _tick(self, rules: RuleIndex, partition: int, now: float) -> list[Update]:
        updates = []
        for key, raw in list(self.table.items()):
            if raw is None or raw["p"] != partition:
                continue
            rule_id, series_id = key.split("|", 1)
            watch = rules.by_id.get(rule_id)
            if watch is None or watch not in rules.watching(series_id):
                entry = Entry.from_json(raw)
                updates.append(self._retire(rules, rule_id, series_id, key, entry, now))
                continue
            if (
                watch.rule.condition.kind != "no_data"
                and raw["s"]["status"] != "pending"
            ):
                continue  # only pending breaches and silences move with the clock
            entry = Entry.from_json(raw)
            entry.state, moves = alerting.tick(watch.rule, entry.state, now)
            if moves:
                out = self._events(rules, watch, series_id, entry, moves)
                updates.append((key, entry, out))
        return updates

    def _retire(
        self,
        rules: RuleIndex,
        rule_id: str,
        series_id: str,
        key: str,
        entry: Entry,
        now: float,
    ) -> Update:
        """The rule was deleted or disabled, or no longer targets the series (it
        was retargeted, the binding deleted, the device moved): resolve what it
        fired there, forget the key."""
        orphan = entry.orphan(rule_id)
        _, moves = alerting.resolve(entry.state, now)
        if orphan is None or not moves:
            return key, None, []
        return key, None, self._events(rules, orphan, series_id, entry, moves)

    def _events(
        self,
        rules: RuleIndex,
        watch: Watch,
        series_id: str,
        entry: Entry,
        moves: list[alerting.Transition],
        actor: str | None = None,
    ) -> list[AlertTransitioned]:
        series = rules.describe(series_id)
        out = []
        for move in moves:
            if move.status == "active":
                entry.fired_at = move.at
                entry.rule = (watch.name, watch.rule.severity, watch.org_id)
            if move.status not in alerting.FIRING and move.status != "resolved":
                continue  # pending -> ok is not an alert
            fired_at = entry.fired_at if entry.fired_at is not None else move.at
            # An alert keeps the severity it fired with, even if the rule changes.
            severity = entry.rule[1] if entry.rule else watch.rule.severity
            out.append(
                AlertTransitioned(
                    event_id=alert_event_id(
                        watch.rule.rule_id,
                        series_id,
                        move.alert_seq,
                        round(fired_at * 1e6),
                    ),
                    org_id=watch.org_id,
                    rule_id=watch.rule.rule_id,
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
            )
        return out

    async def _emit(self, events: list[AlertTransitioned]) -> None:
        """Send until Kafka has every transition (the offset commits only after)."""
        delay = 0.1
        while events:
            try:
                await asyncio.gather(
                    *(
                        self.producer.send(
                            self.alerts_topic,
                            encode_transition(e),
                            key=e.event_id.encode(),
                        )
                        for e in events
                    )
                )
                return
            except BrokerUnavailable as ex:
                log.warning("alert transitions not sent, retrying: %s", ex)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def tick_all(self) -> None:
        """Send a clock tick to every partition (the owner of each one folds it)."""
        value = encode_command(AlertCommandIssued("tick"))
        try:
            await asyncio.gather(
                *(
                    self.producer.send(self.commands_topic, value, partition=p)
                    for p in range(self.settings.topic_partitions)
                )
            )
        except BrokerUnavailable as ex:
            log.warning("alert clock tick not sent: %s", ex)
