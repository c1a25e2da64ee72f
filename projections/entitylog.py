"""Write entity events and wait until the local read model shows them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from infra.kafka import AsyncProducer
from infra.settings import Settings
from projections import ProjectionError
from projections.entities import Entity, Outcome
from projections.readmodel import EntityReadModel
from schemas.events import EntityChanged, encode_entity
from schemas.topics import ENTITIES_TOPIC


class EntityConflict(ProjectionError):
    """The log rejected a write: a unique key was taken, or the entity moved on."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


class WriteNotVisible(ProjectionError):
    """Kafka has the write, but the read model did not show it in time."""


class EntityLog:
    """Append state-carrying events; each returns once its own read model agrees."""

    def __init__(
        self, settings: Settings, producer: AsyncProducer, model: EntityReadModel
    ) -> None:
        self.settings = settings
        self.producer = producer
        self.model = model
        self.topic = settings.topic(ENTITIES_TOPIC)

    async def append(self, event: EntityChanged) -> Outcome:
        """Write ``event`` and return its outcome once the read model folded it."""
        waiter = self.model.expect(event.event_id)
        try:
            await self.producer.send(
                self.topic, encode_entity(event), key=event.entity_id.encode()
            )
        except BaseException:
            self.model.forget(event.event_id)
            raise
        try:
            return await asyncio.wait_for(waiter, self.settings.write_timeout_s)
        except TimeoutError as ex:
            raise WriteNotVisible(f"event {event.event_id} not visible yet") from ex

    async def _commit(self, event: EntityChanged) -> Entity | None:
        outcome = await self.append(event)
        if not outcome.applied:
            raise EntityConflict(outcome)
        return self.model.state.get(event.entity_type, event.entity_id)

    async def create(
        self,
        entity_type: str,
        org_id: str,
        state: dict[str, Any],
        unique_keys: tuple[str, ...] = (),
        entity_id: str | None = None,
        actor: str | None = None,
    ) -> Entity:
        """Create an entity; raise :class:`EntityConflict` if log order says no."""
        entity_id = entity_id or str(uuid.uuid4())
        event = EntityChanged(
            entity_type,
            entity_id,
            org_id,
            1,
            "created",
            state,
            unique_keys,
            _now(),
            actor,
        )
        entity = await self._commit(event)
        assert entity is not None  # noqa: S101 - applied creates are live
        return entity

    async def update(
        self,
        entity: Entity,
        state: dict[str, Any],
        unique_keys: tuple[str, ...] | None = None,
        actor: str | None = None,
    ) -> Entity:
        """Replace an entity's state; stale versions and taken keys are conflicts."""
        keys = self.model.state.held.get((entity.entity_type, entity.entity_id), ())
        event = EntityChanged(
            entity.entity_type,
            entity.entity_id,
            entity.org_id,
            entity.version + 1,
            "updated",
            state,
            keys if unique_keys is None else unique_keys,
            _now(),
            actor,
        )
        updated = await self._commit(event)
        assert updated is not None  # noqa: S101 - applied updates are live
        return updated

    async def delete(self, entity: Entity, actor: str | None = None) -> None:
        """Delete an entity, releasing its unique keys."""
        event = EntityChanged(
            entity.entity_type,
            entity.entity_id,
            entity.org_id,
            entity.version + 1,
            "deleted",
            None,
            (),
            _now(),
            actor,
        )
        await self._commit(event)


def _now() -> datetime:
    return datetime.now(UTC)
