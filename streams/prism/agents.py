"""Faust wiring of Prism: route input points to their fields, evaluate, emit.

``prism-router`` reads measurement batches (partitioned by device) and sends each
field its input points on ``vigil.prism-inputs.v1``, keyed by field id, so a field
whose inputs sit on several devices is evaluated in one place. ``prism-evaluator``
keeps each field's :class:`~streams.prism.alignment.FieldState` in a table keyed
by field id and emits derived points on ``vigil.derived.v1`` as measurement
batches (the same shape, projected into the same table, so a field id works
wherever a binding id does). The derived batch is acknowledged by Kafka before
the table write; a redelivery re-emits the same points, which overwrite
themselves (last write wins).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

import faust
import orjson

from domain.clock import Clock, IdGenerator
from domain.entity_state import EntityState
from infra.kafka import AsyncProducer, BrokerUnavailable
from infra.settings import Settings
from schemas.codec import decode_or_skip
from schemas.events import (
    NUMBER,
    BatchSource,
    MeasurementBatch,
    batch_binding_ids,
    decode_batch,
    encode_derived,
)
from schemas.topics import DERIVED_TOPIC, MEASUREMENTS_TOPIC, PRISM_INPUTS_TOPIC
from streams.freshness import Freshness, wait_fresh
from streams.prism.alignment import FieldIndex, FieldState, current_fields, evaluate

log = logging.getLogger(__name__)
# Derived points come from no device: Prism signs them as the producer.
NO_DEVICE = "00000000-0000-0000-0000-000000000000"
PRISM_HARDWARE_ID = "prism"


def derived_batch(
    org_id: str,
    field_id: str,
    points: list[tuple[int, float]],
    batch_id: str,
    received_at: datetime,
    source: BatchSource = BatchSource.PRISM,
) -> MeasurementBatch:
    """Derived points of one field as a measurement batch (live or a backfill),
    named ``batch_id`` and made at ``received_at``."""
    n = len(points)
    return MeasurementBatch(
        org_id=org_id,
        device_id=NO_DEVICE,
        hardware_id=PRISM_HARDWARE_ID,
        binding_ids=[field_id] * n,
        timestamps=[ts for ts, _ in points],
        kinds=[NUMBER] * n,
        numbers=[v for _, v in points],
        texts=[""] * n,
        qualities=[0] * n,
        received_at=received_at,
        batch_id=batch_id,
        source=source,
    )


class PrismAgents:
    """The router and the evaluator, given the app, the read model, a producer, and
    where the derived batches' times and ids come from."""

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
        self.state = state
        self.fresh = fresh
        self.producer = producer
        self.clock = clock
        self.new_id = new_id
        self.index: FieldIndex | None = None
        self.derived_topic = settings.topic(DERIVED_TOPIC)
        self.emitted = 0
        raw: dict[str, Any] = {
            "key_type": bytes,
            "value_type": bytes,
            "key_serializer": "raw",
            "value_serializer": "raw",
        }
        self.inputs = app.topic(settings.topic(PRISM_INPUTS_TOPIC), **raw)
        self.table = app.Table(
            "prism-fields", default=None, partitions=settings.topic_partitions
        )
        app.agent(
            app.topic(settings.topic(MEASUREMENTS_TOPIC), **raw), name="prism-router"
        )(self.route)
        app.agent(self.inputs, name="prism-evaluator")(self.run)

    def _fields(self) -> FieldIndex:
        self.index = current_fields(self.index, self.state)
        return self.index

    async def route(self, stream: faust.StreamT[bytes]) -> None:
        """Send each field the input points of each batch (one record per field)."""
        async for event in stream.events():
            await wait_fresh(self.fresh, event.message)
            fields = self._fields()
            if not fields.by_input:
                continue
            message = event.message
            ids = decode_or_skip(
                batch_binding_ids, message.value, message.offset, "batch"
            )
            if ids is None or not fields.reads_any(ids):
                continue  # no field reads these bindings: skip decoding the values
            batch = decode_or_skip(decode_batch, message.value, message.offset, "batch")
            if batch is None:
                continue
            for field_id, points in _points_by_field(fields, batch).items():
                body = orjson.dumps({"o": batch.org_id, "p": points})
                await self.inputs.send(key=field_id.encode(), value=body)

    async def run(self, stream: faust.StreamT[bytes]) -> None:
        """Evaluate each field's points; emit, then remember the state."""
        async for event in stream.events():
            field_id = (event.message.key or b"").decode()
            compiled = self._fields().fields.get(field_id)
            if compiled is None:
                continue  # deleted, or an input binding is gone
            message = orjson.loads(event.message.value)
            windows = FieldState.from_json(self.table.get(field_id))
            out = evaluate(compiled, windows, (tuple(p) for p in message["p"]))
            if out:
                await self._emit(compiled.org_id, field_id, out)
            self.table[field_id] = windows.to_json()

    async def _emit(self, org_id: str, field_id: str, points: list[Any]) -> None:
        batch = derived_batch(org_id, field_id, points, self.new_id(), self.clock())
        value = encode_derived(batch)
        delay = 0.1
        while True:
            try:
                await self.producer.send(
                    self.derived_topic, value, key=field_id.encode()
                )
                self.emitted += len(points)
                return
            except BrokerUnavailable as ex:
                log.warning("derived points not sent, retrying: %s", ex)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


def _points_by_field(
    fields: FieldIndex, batch: MeasurementBatch
) -> dict[str, list[tuple[str, int, float]]]:
    grouped: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
    for i, binding_id in enumerate(batch.binding_ids):
        targets = fields.by_input.get(binding_id)
        if not targets or batch.kinds[i] != NUMBER:
            continue
        for field_id, variable in targets:
            if fields.fields[field_id].org_id == batch.org_id:
                grouped[field_id].append(
                    (variable, batch.timestamps[i], batch.numbers[i])
                )
    return grouped
