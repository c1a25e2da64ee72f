"""The entity read model and its fold (pure: no I/O).

Uniqueness is decided by log order: an event that claims a key another live entity
holds is rejected, and so is a create of a live id or a change to a stale version.
Every API process folds the same log, so every process reaches the same verdicts.
Lookups are typed by state class: ``state.get(Device, device_id)`` is an
``Entity[Device]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from domain.entity import Entity, EntityChanged, EntityStateBase, EntityType
from domain.errors import NotFound

S = TypeVar("S", bound=EntityStateBase)
AnyEntity = Entity[Any]


@dataclass(frozen=True)
class Outcome:
    """What applying one event did: applied, or rejected with a reason."""

    applied: bool
    reason: str = ""
    conflict_key: str | None = None


APPLIED = Outcome(True)

# State fields the read model indexes (entity type -> fields), for child lookups.
INDEXED_FIELDS: dict[EntityType, tuple[str, ...]] = {
    EntityType.BINDING: ("device_id",),
    EntityType.DEVICE: ("site_id",),
    EntityType.API_KEY: ("user_id",),
    EntityType.CUSTOM_TOOL: ("watcher_id",),
    EntityType.CHANNEL: ("watcher_id",),
}


@dataclass
class EntityState:
    """All live entities, by type and id, and the unique keys they hold."""

    by_type: dict[EntityType, dict[str, AnyEntity]] = field(default_factory=dict)
    keys: dict[str, tuple[EntityType, str]] = field(default_factory=dict)
    held: dict[tuple[EntityType, str], tuple[str, ...]] = field(default_factory=dict)
    by_org: dict[tuple[EntityType, str], dict[str, AnyEntity]] = field(
        default_factory=dict
    )
    by_field: dict[tuple[EntityType, str, Any], dict[str, AnyEntity]] = field(
        default_factory=dict
    )
    offset: int = -1

    def get(self, kind: type[S], entity_id: str) -> Entity[S] | None:
        """The live entity of this state class, or None."""
        found = self.by_type.get(kind.entity_type, {}).get(entity_id)
        return cast("Entity[S] | None", found)

    def of_type(self, kind: type[S]) -> dict[str, Entity[S]]:
        """Every live entity of one type, by id (log order)."""
        return self.by_type.get(kind.entity_type, {})

    def in_org(self, kind: type[S], org_id: str) -> dict[str, Entity[S]]:
        """Every live entity of one type in one org, by id (log order)."""
        return self.by_org.get((kind.entity_type, org_id), {})

    def where(self, kind: type[S], field_name: str, value: Any) -> dict[str, Entity[S]]:
        """Live entities of a type whose indexed field equals ``value``."""
        key = (kind.entity_type, field_name, value)
        return self.by_field.get(key, {})

    def owned(self, kind: type[S], entity_id: str, org_id: str) -> Entity[S] | None:
        """The entity if it is live and in ``org_id``; None alike for missing and
        foreign."""
        entity = self.get(kind, entity_id)
        return entity if entity is not None and entity.org_id == org_id else None

    def require(self, kind: type[S], entity_id: str, org_id: str) -> Entity[S]:
        """The entity of ``org_id``, or :class:`NotFound` (missing and foreign
        alike: another org's id is indistinguishable from a missing one)."""
        entity = self.owned(kind, entity_id, org_id)
        if entity is None:
            label = kind.entity_type.value.replace("_", " ")
            raise NotFound(f"{label} {entity_id} not found")
        return entity

    def holder(self, key: str) -> tuple[EntityType, str] | None:
        """(type, id) of the entity holding a unique key, or None."""
        return self.keys.get(key)

    def held_by(self, kind: type[S], key: str) -> Entity[S] | None:
        """The live entity of this state class holding a unique key, or None."""
        owner = self.keys.get(key)
        if owner is None or owner[0] != kind.entity_type:
            return None
        return self.get(kind, owner[1])

    def keys_of(self, entity: AnyEntity) -> tuple[str, ...]:
        """The unique keys an entity holds now."""
        return self.held.get((entity.entity_type, entity.entity_id), ())

    def _index(self, entity: AnyEntity) -> None:
        self.by_org.setdefault((entity.entity_type, entity.org_id), {})[
            entity.entity_id
        ] = entity
        for name in INDEXED_FIELDS.get(entity.entity_type, ()):
            key = (entity.entity_type, name, getattr(entity.state, name, None))
            self.by_field.setdefault(key, {})[entity.entity_id] = entity

    def _unindex(self, entity: AnyEntity, keep: AnyEntity | None = None) -> None:
        """Drop ``entity`` from the indexes, except where ``keep`` stays in the same
        bucket (so an update keeps its position)."""
        if keep is None or keep.org_id != entity.org_id:
            _discard(self.by_org, (entity.entity_type, entity.org_id), entity.entity_id)
        for name in INDEXED_FIELDS.get(entity.entity_type, ()):
            value = getattr(entity.state, name, None)
            if keep is None or getattr(keep.state, name, None) != value:
                _discard(
                    self.by_field, (entity.entity_type, name, value), entity.entity_id
                )


def _discard(index: dict[Any, dict[str, AnyEntity]], key: Any, entity_id: str) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.pop(entity_id, None)
        if not bucket:
            del index[key]


def evolve(state: EntityState, event: EntityChanged) -> Outcome:
    """Apply ``event`` to ``state`` in place (it is large) and say what happened."""
    verdict = check(state, event)
    if verdict.applied:
        _apply(state, event)
    return verdict


def check(state: EntityState, event: EntityChanged) -> Outcome:
    """Whether ``event`` applies to ``state`` (log order decides), without applying."""
    current = state.by_type.get(event.entity_type, {}).get(event.entity_id)
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
    if event.change == "deleted" or event.state is None:
        bucket.pop(event.entity_id, None)
        if previous is not None:
            state._unindex(previous)
        return
    entity: AnyEntity = Entity(
        event.entity_type, event.entity_id, event.org_id, event.version, event.state
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
