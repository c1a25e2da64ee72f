"""A watcher's custom tools and alert channels: commands and decisions (pure).

Both belong to one watcher; another org's watcher (or a missing one) is a 404, as
is a tool or channel of another watcher. Where a URL or an address must be checked
with I/O (the SSRF guard resolves names), the caller checks it before deciding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

from domain.context import Context
from domain.entity import Entity, EntityChanged, EntityType, created, deleted, updated
from domain.entity_state import EntityState
from domain.errors import Conflict, Invalid, NotFound
from domain.isotime import iso
from domain.keys import custom_tool_name_key
from domain.states import Channel, CustomTool, Watcher
from domain.watchers import BUILTIN_TOOLS

CHANNEL_TYPES = ("email", "webhook")
TOOL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class ToolSettings:
    """A custom tool's settable fields (None: not given)."""

    name: str | None = None
    description: str | None = None
    webhook_url: str | None = None
    headers: dict[str, str] | None = None
    parameter_schema: dict[str, Any] | None = None
    enabled: bool | None = None

    def given(self) -> dict[str, Any]:
        """Only the fields that were given."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class SaveTool:
    """Create (``create``) or change a custom tool."""

    ctx: Context
    watcher_id: str
    tool_id: str
    settings: ToolSettings
    create: bool


@dataclass(frozen=True)
class SaveChannel:
    """Create (``create``) or change an alert channel."""

    ctx: Context
    watcher_id: str
    channel_id: str
    type: str | None = None
    destination: str | None = None
    enabled: bool | None = None
    create: bool = False


@dataclass(frozen=True)
class DeleteChild:
    """Delete a watcher's custom tool or channel."""

    ctx: Context
    watcher_id: str
    kind: type[CustomTool] | type[Channel]
    child_id: str


def check_tool_name(name: str) -> str:
    """A tool name the models accept, not one of the built-in tools."""
    if not TOOL_NAME.match(name):
        raise Invalid("name", "use letters, digits, _ and - (at most 64)")
    if name in BUILTIN_TOOLS:
        raise Invalid("name", f"{name} is a built-in tool")
    return name


def child_of(
    state: EntityState, kind: type[Any], watcher_id: str, child_id: str, org_id: str
) -> Entity[Any]:
    """A watcher's tool or channel; 404 for another watcher's."""
    state.require(Watcher, watcher_id, org_id)
    entity = state.require(kind, child_id, org_id)
    if entity.state.watcher_id != watcher_id:
        label = kind.entity_type.value.replace("_", " ")
        raise NotFound(f"{label} {child_id} not found")
    return entity


def decide_tool(command: SaveTool, state: EntityState) -> list[EntityChanged]:
    """The tool created or changed; its name is unique within its watcher."""
    ctx, given = command.ctx, command.settings.given()
    if not command.create and not given:
        raise Invalid("body", "give at least one field to change")
    key = custom_tool_name_key(command.watcher_id, given.get("name", ""))
    holder = state.holder(key) if "name" in given else None
    if holder is not None and holder[1] != command.tool_id:
        raise Conflict(f"the watcher already has a tool named {given['name']}")
    if command.create:
        state.require(Watcher, command.watcher_id, ctx.org_id)
        tool = CustomTool(
            created_at=iso(ctx.at), watcher_id=command.watcher_id, **given
        )
        return [
            created(
                EntityType.CUSTOM_TOOL,
                command.tool_id,
                ctx.org_id,
                tool,
                (key,),
                ctx.at,
                ctx.actor,
            )
        ]
    entity = child_of(
        state, CustomTool, command.watcher_id, command.tool_id, ctx.org_id
    )
    after = msgspec.structs.replace(entity.state, **given, updated_at=iso(ctx.at))
    keys = (custom_tool_name_key(command.watcher_id, after.name),)
    return [updated(entity, after, keys, ctx.at, ctx.actor)]


def decide_channel(command: SaveChannel, state: EntityState) -> list[EntityChanged]:
    """The channel created or changed (its type is fixed at creation)."""
    ctx = command.ctx
    given = {
        k: v
        for k, v in (("destination", command.destination), ("enabled", command.enabled))
        if v is not None
    }
    if command.create:
        state.require(Watcher, command.watcher_id, ctx.org_id)
        if command.type not in CHANNEL_TYPES:
            raise Invalid("type", "must be one of email, webhook")
        if not command.destination:
            raise Invalid("destination", "is required")
        channel = Channel(
            created_at=iso(ctx.at),
            watcher_id=command.watcher_id,
            type=command.type,
            destination=command.destination,
            enabled=True if command.enabled is None else command.enabled,
        )
        return [
            created(
                EntityType.CHANNEL,
                command.channel_id,
                ctx.org_id,
                channel,
                (),
                ctx.at,
                ctx.actor,
            )
        ]
    if not given:
        raise Invalid("body", "give at least one field to change")
    entity = child_of(
        state, Channel, command.watcher_id, command.channel_id, ctx.org_id
    )
    after = msgspec.structs.replace(entity.state, **given, updated_at=iso(ctx.at))
    return [updated(entity, after, (), ctx.at, ctx.actor)]


def decide_delete_child(
    command: DeleteChild, state: EntityState
) -> list[EntityChanged]:
    """The tool's or channel's deletion."""
    ctx = command.ctx
    entity = child_of(
        state, command.kind, command.watcher_id, command.child_id, ctx.org_id
    )
    return [deleted(entity, ctx.at, ctx.actor)]


def tool_view(entity: Entity[CustomTool]) -> dict[str, Any]:
    """A custom tool as the API shows it."""
    s = entity.state
    return {
        "id": entity.entity_id,
        "watcher_id": s.watcher_id,
        "name": s.name,
        "description": s.description,
        "webhook_url": s.webhook_url,
        "headers": dict(s.headers),
        "parameter_schema": dict(s.parameter_schema),
        "enabled": s.enabled,
        "created_at": s.created_at,
        "updated_at": s.updated_at or s.created_at,
    }


def channel_view(entity: Entity[Channel]) -> dict[str, Any]:
    """A channel as the API shows it."""
    s = entity.state
    return {
        "id": entity.entity_id,
        "watcher_id": s.watcher_id,
        "type": s.type,
        "destination": s.destination,
        "enabled": s.enabled,
        "created_at": s.created_at,
        "updated_at": s.updated_at or s.created_at,
    }
