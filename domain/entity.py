"""Entities and the one event that changes them.

Every configuration entity (account, user, device, rule, field, ...) lives on the
entity log as state-carrying :class:`EntityChanged` events: the event holds the whole
new state, so a fold only ever replaces. A state is a frozen, typed struct of
:mod:`domain.states`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
    WATCHER = "watcher"
    CUSTOM_TOOL = "custom_tool"
    CHANNEL = "channel"
    DASHBOARD = "dashboard"


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


@dataclass(frozen=True)
class EntityChanged:
    """An entity's full state after a change (``state`` is ``None`` once deleted)."""

    entity_type: EntityType
    entity_id: str
    org_id: str
    version: int
    change: Change
    state: EntityStateBase | None
    occurred_at: datetime
    unique_keys: tuple[str, ...] = ()
    actor: str | None = None
    # Given by the writer when it appends (from its injected id generator): the
    # read model wakes the writer waiting on this id.
    event_id: str = ""


def created(
    entity_type: EntityType,
    entity_id: str,
    org_id: str,
    state: EntityStateBase,
    keys: tuple[str, ...],
    at: datetime,
    actor: str | None = None,
) -> EntityChanged:
    """The event that creates an entity."""
    return EntityChanged(
        entity_type, entity_id, org_id, 1, "created", state, at, keys, actor
    )


def updated(
    entity: Entity[S],
    state: S,
    keys: tuple[str, ...],
    at: datetime,
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
        at,
        keys,
        actor,
    )


def deleted(entity: Entity[S], at: datetime, actor: str | None = None) -> EntityChanged:
    """The event that deletes an entity, releasing its unique keys."""
    return EntityChanged(
        entity.entity_type,
        entity.entity_id,
        entity.org_id,
        entity.version + 1,
        "deleted",
        None,
        at,
        (),
        actor,
    )
