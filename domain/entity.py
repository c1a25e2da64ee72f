"""Entities and the one event that changes them.

Every configuration entity (account, user, device, rule, field, ...) lives on the
entity log as state-carrying :class:`EntityChanged` events: the event holds the whole
new state, so a fold only ever replaces. A state is a frozen, typed struct of
:mod:`domain.states`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import ClassVar, Generic, Literal, TypeVar

import msgspec

Change = Literal["created", "updated", "deleted"]


class EntityType(StrEnum):
    """Every kind of entity on the log (the value is the wire name)."""

    ACCOUNT = "account"
    USER = "user"
    TOKEN_FAMILY = "token_family"  # noqa: S105 - a type name, not a secret
    API_KEY = "api_key"
    GATEWAY_TOKEN = "gateway_token"  # noqa: S105 - a type name
    SITE = "site"
    DEVICE = "device"
    BINDING = "binding"
    ALERT_RULE = "alert_rule"
    PRISM_FIELD = "prism_field"


class EntityStateBase(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every entity state: frozen, typed, JSON on the wire."""

    entity_type: ClassVar[EntityType]
    created_at: str


S = TypeVar("S", bound=EntityStateBase)


@dataclass(frozen=True, slots=True)
class Entity(Generic[S]):
    """The current state of one live entity."""

    entity_type: EntityType
    entity_id: str
    org_id: str
    version: int
    state: S


def _event_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EntityChanged:
    """An entity's full state after a change (``state`` is ``None`` once deleted)."""

    entity_type: EntityType
    entity_id: str
    org_id: str
    version: int
    change: Change
    state: EntityStateBase | None
    unique_keys: tuple[str, ...] = ()
    occurred_at: datetime = field(default_factory=_now)
    actor: str | None = None
    event_id: str = field(default_factory=_event_id)


def created(
    entity_type: EntityType,
    entity_id: str,
    org_id: str,
    state: EntityStateBase,
    keys: tuple[str, ...] = (),
    at: datetime | None = None,
    actor: str | None = None,
) -> EntityChanged:
    """The event that creates an entity."""
    return EntityChanged(
        entity_type, entity_id, org_id, 1, "created", state, keys, at or _now(), actor
    )


def updated(
    entity: Entity[S],
    state: S,
    keys: tuple[str, ...],
    at: datetime | None = None,
    actor: str | None = None,
) -> EntityChanged:
    """The event that replaces an entity's state (``keys``: all it holds after)."""
    return EntityChanged(
        entity.entity_type,
        entity.entity_id,
        entity.org_id,
        entity.version + 1,
        "updated",
        state,
        keys,
        at or _now(),
        actor,
    )


def deleted(
    entity: Entity[S], at: datetime | None = None, actor: str | None = None
) -> EntityChanged:
    """The event that deletes an entity, releasing its unique keys."""
    return EntityChanged(
        entity.entity_type,
        entity.entity_id,
        entity.org_id,
        entity.version + 1,
        "deleted",
        None,
        (),
        at or _now(),
        actor,
    )
