"""Write entity events and wait until the local read model shows them."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

from domain.clock import IdGenerator
from domain.clock import new_id as uuid_id
from domain.entity import Entity, EntityChanged
from domain.entity_state import Outcome
from domain.errors import Conflict
from infra.kafka import AsyncProducer, Delivered
from infra.settings import Settings
from projections import ProjectionError
from projections.archive import EntityArchive
from projections.progress import ProjectionProgress
from projections.readmodel import EntityReadModel
from schemas.events import encode_entity
from schemas.topics import ENTITIES_TOPIC


class EntityConflict(Conflict):
    """The log rejected a write: a unique key was taken, or the entity moved on."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


class WriteNotVisible(ProjectionError):
    """Kafka has the write, but the read model did not show it in time."""


class EntityLog:
    """Append state-carrying events; each returns once its own read model agrees."""

    def __init__(
        self,
        settings: Settings,
        producer: AsyncProducer,
        model: EntityReadModel,
        new_id: IdGenerator = uuid_id,
        progress: ProjectionProgress | None = None,
    ) -> None:
        self.settings = settings
        self.new_id = new_id
        # Set when an acknowledgement must wait for the archive (VIGIL_ACK_AFTER).
        self.progress = progress
        self.producer = producer
        self.model = model
        self.topic = settings.topic(ENTITIES_TOPIC)

    async def append(self, event: EntityChanged) -> Outcome:
        """Write ``event`` and return its outcome once the read model folded it
        (and, with ``VIGIL_ACK_AFTER=projection``, once the archive stored it)."""
        outcome, delivered = await self._append(event)
        if outcome.applied:
            await self._durable(delivered)
        return outcome

    async def _append(self, event: EntityChanged) -> tuple[Outcome, Delivered]:
        if not event.event_id:  # the writer gives ids, from its injected generator
            event = dataclasses.replace(event, event_id=self.new_id())
        waiter = self.model.expect(event.event_id)
        try:
            delivered = await self.producer.send(
                self.topic, encode_entity(event), key=event.entity_id.encode()
            )
        except BaseException:
            self.model.forget(event.event_id)
            raise
        try:
            outcome = await asyncio.wait_for(waiter, self.settings.write_timeout_s)
        except TimeoutError as ex:
            raise WriteNotVisible(f"event {event.event_id} not visible yet") from ex
        return outcome, delivered

    async def _durable(self, delivered: Delivered | None) -> None:
        """Wait until the archive holds everything up to ``delivered``: on a
        memory-only broker the archive is what a restart rehydrates from."""
        if self.progress is None or delivered is None:
            return
        await self.progress.wait_stored(
            EntityArchive.name, delivered.topic, delivered.partition, delivered.offset
        )

    async def write(self, events: Sequence[EntityChanged]) -> list[Entity[Any] | None]:
        """Append ``events`` in order, each once the one before it was folded; the
        entity after each (None once deleted). The first rejected event raises
        :class:`EntityConflict` and the rest are not written."""
        after: list[Entity[Any] | None] = []
        last: Delivered | None = None
        for event in events:
            outcome, last = await self._append(event)
            if not outcome.applied:
                raise EntityConflict(outcome)
            found = self.model.state.by_type.get(event.entity_type, {})
            after.append(found.get(event.entity_id))
        await self._durable(last)  # the archive stores in log order: the last counts
        return after
