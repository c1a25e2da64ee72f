"""Fold entity events into the in-memory read model (pure: no I/O).

Uniqueness is decided by log order: an event that claims a key another live entity
holds is rejected, and so is a create of a live id or a change to a stale version.
Every API process folds the same log, so every process reaches the same verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.events import EntityChanged


@dataclass(frozen=True, slots=True)
class Entity:
    """The current state of one live entity."""

    entity_type: str
    entity_id: str
    org_id: str
    version: int
    state: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What applying one event did: applied, or rejected with a reason."""

    applied: bool
    reason: str = ""
    conflict_key: str | None = None


APPLIED = Outcome(True)

# State fields the read model indexes (entity type -> fields), for child lookups.
INDEXED_FIELDS: dict[str, tuple[str, ...]] = {
    "binding": ("device_id",),
    "device": ("site_id",),
    "refresh_token": ("family",),
    "api_key": ("user_id",),
}


@dataclass
class EntityState:
    """All live entities, by type and id, and the unique keys they hold."""

    by_type: dict[str, dict[str, Entity]] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    held: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    by_org: dict[tuple[str, str], dict[str, Entity]] = field(default_factory=dict)
    by_field: dict[tuple[str, str, Any], dict[str, Entity]] = field(
        default_factory=dict
    )
    offset: int = -1

    def get(self, entity_type: str, entity_id: str) -> Entity | None:
        """The live entity, or None."""
        return self.by_type.get(entity_type, {}).get(entity_id)

    def of_type(self, entity_type: str) -> dict[str, Entity]:
        """Every live entity of one type, by id."""
        return self.by_type.get(entity_type, {})

    def holder(self, key: str) -> tuple[str, str] | None:
        """(type, id) of the entity holding a unique key, or None."""
        return self.keys.get(key)

    def held_by(self, entity_type: str, key: str) -> Entity | None:
        """The live entity of ``entity_type`` holding a unique key, or None."""
        owner = self.keys.get(key)
        if owner is None or owner[0] != entity_type:
            return None
        return self.get(*owner)

    def in_org(self, entity_type: str, org_id: str) -> dict[str, Entity]:
        """Every live entity of one type in one org, by id."""
        return self.by_org.get((entity_type, org_id), {})

    def where(self, entity_type: str, field_name: str, value: Any) -> dict[str, Entity]:
        """Live entities of a type whose indexed field equals ``value``."""
        return self.by_field.get((entity_type, field_name, value), {})

    def _index(self, entity: Entity) -> None:
        self.by_org.setdefault((entity.entity_type, entity.org_id), {})[
            entity.entity_id
        ] = entity
        for name in INDEXED_FIELDS.get(entity.entity_type, ()):
            key = (entity.entity_type, name, entity.state.get(name))
            self.by_field.setdefault(key, {})[entity.entity_id] = entity

    def _unindex(self, entity: Entity, keep: Entity | None = None) -> None:
        """Drop ``entity`` from the indexes, except where ``keep`` stays in the same
        bucket (so an update keeps its position)."""
        if keep is None or keep.org_id != entity.org_id:
            _discard(self.by_org, (entity.entity_type, entity.org_id), entity.entity_id)
        for name in INDEXED_FIELDS.get(entity.entity_type, ()):
            value = entity.state.get(name)
            if keep is None or keep.state.get(name) != value:
                _discard(
                    self.by_field, (entity.entity_type, name, value), entity.entity_id
                )


def _discard(index: dict[Any, dict[str, Entity]], key: Any, entity_id: str) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.pop(entity_id, None)
        if not bucket:
            del index[key]


def evolve(state: EntityState, event: EntityChanged) -> Outcome:
    """Apply ``event`` to ``state`` in place (it is large) and say what happened."""
    verdict = _check(state, event)
    if verdict.applied:
        _apply(state, event)
    return verdict


def _check(state: EntityState, event: EntityChanged) -> Outcome:
    current = state.get(event.entity_type, event.entity_id)
    if event.change == "created" and current is not None:
        return Outcome(False, f"{event.entity_type} {event.entity_id} already exists")
    if event.change != "created":
        if current is None:
            return Outcome(
                False, f"{event.entity_type} {event.entity_id} does not exist"
            )
        if event.version != current.version + 1:
            return Outcome(False, f"stale version {event.version} of {event.entity_id}")
    if event.change == "deleted":
        return APPLIED
    me = (event.entity_type, event.entity_id)
    for key in event.unique_keys:
        owner = state.keys.get(key)
        if owner is not None and owner != me:
            return Outcome(False, f"{key} is taken", conflict_key=key)
    return APPLIED


def _apply(state: EntityState, event: EntityChanged) -> None:
    me = (event.entity_type, event.entity_id)
    for key in state.held.pop(me, ()):
        state.keys.pop(key, None)
    bucket = state.by_type.setdefault(event.entity_type, {})
    previous = bucket.get(event.entity_id)
    if event.change == "deleted":
        bucket.pop(event.entity_id, None)
        if previous is not None:
            state._unindex(previous)
        return
    entity = Entity(
        event.entity_type,
        event.entity_id,
        event.org_id,
        event.version,
        event.state or {},
    )
    # Assigning an existing key keeps its place: every index stays in creation order.
    bucket[event.entity_id] = entity
    if previous is not None:
        state._unindex(previous, keep=entity)
    state._index(entity)
    if event.unique_keys:
        state.held[me] = event.unique_keys
        for key in event.unique_keys:
            state.keys[key] = me
