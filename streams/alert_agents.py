"""Faust wiring of alert evaluation: one agent, one table keyed by (rule, series).

The agent reads measurement batches, Prism's derived points and alert commands
(clock ticks, acknowledge, resolve). All three topics have the same partition count
and a series always lands in the same partition, so the table entry of (rule, series)
is only ever touched by the worker that owns that partition, one event at a time.

Delivery is at least once. A transition is sent (and acknowledged by Kafka) before
the new state is written to the table; a redelivered measurement is skipped by its
source position, and a transition re-sent after a crash carries the same
``transition_id``, which every consumer (projection, SSE hub) drops as a repeat.
The fold itself is :mod:`streams.alert_fold`; this module only reads, sends and
stores.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust

from domain.clock import Clock, IdGenerator
from domain.entity_state import EntityState
from infra.kafka import AsyncProducer, BrokerUnavailable
from infra.settings import Settings
from schemas.alerts import (
    AlertCommandIssued,
    AlertTransitioned,
    decode_command,
    encode_command,
    encode_transition,
)
from schemas.codec import decode_or_skip
from schemas.events import BatchSource, batch_binding_ids, decode_batch
from schemas.topics import (
    ALERT_COMMANDS_TOPIC,
    ALERTS_TOPIC,
    DERIVED_TOPIC,
    MEASUREMENTS_TOPIC,
)
from streams.alert_fold import Source, Update, fold_command, fold_points
from streams.freshness import Freshness, wait_fresh
from streams.rules import RuleIndex, current_index

log = logging.getLogger(__name__)


class AlertEvaluator:
    """The agent's work, given the app, the read model, a producer, and where the
    clock ticks' times and ids come from."""

    def __init__(
        self,
        app: faust.App,
        settings: Settings,
        state: EntityState,
        producer: AsyncProducer,
        clock: Clock,
        new_id: IdGenerator,
        fresh: Freshness | None = None,
    ) -> None:
        self.app = app
        self.fresh = fresh
        self.settings = settings
        self.state = state
        self.producer = producer
        self.clock = clock
        self.new_id = new_id
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
            if event.message.topic != self.commands_topic:
                await wait_fresh(self.fresh, event.message)
            updates = self._fold(event.message)
            emitted = [t for update in updates for t in update.transitions]
            await self._emit(emitted)
            for update in updates:
                self._store(update)
            if emitted:
                # Shrink the window in which a crash leaves a sent transition
                # without its state (a redelivered tick may come after new data).
                await self.app.producer.flush()

    def _rules(self) -> RuleIndex:
        self.index = current_index(self.index, self.state)
        return self.index

    def _fold(self, message: Any) -> list[Update]:
        if message.topic != self.commands_topic:
            return self._points(message)
        command = decode_or_skip(
            decode_command, message.value, message.offset, "alert command"
        )
        if command is None:
            return []
        return fold_command(self._rules(), self.table, message.partition, command)

    def _points(self, message: Any) -> list[Update]:
        rules = self._rules()
        if not rules.by_id:
            return []  # nothing to evaluate: skip decoding the batch
        ids = decode_or_skip(batch_binding_ids, message.value, message.offset, "batch")
        if ids is None or not rules.watches_any(ids):
            return []  # no rule watches these series: skip decoding the values
        batch = decode_or_skip(decode_batch, message.value, message.offset, "batch")
        if batch is None or batch.source == BatchSource.BACKFILL:
            return []  # undecodable, or history recomputed by a backfill
        source = Source(message.topic, message.partition, message.offset)
        return fold_points(rules, self.table, batch, source)

    def _store(self, update: Update) -> None:
        if update.value is not None:
            self.table[update.key] = update.value
        elif update.key in self.table:
            del self.table[update.key]

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
        tick = AlertCommandIssued("tick", self.clock(), command_id=self.new_id())
        value = encode_command(tick)
        try:
            await asyncio.gather(
                *(
                    self.producer.send(self.commands_topic, value, partition=p)
                    for p in range(self.settings.topic_partitions)
                )
            )
        except BrokerUnavailable as ex:
            log.warning("alert clock tick not sent: %s", ex)
