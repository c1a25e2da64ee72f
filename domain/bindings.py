"""Bindings (a device channel bound to a quantity) and attached peripherals:
commands and decisions. A channel is unique per device, decided by log order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from domain.context import Context
from domain.entity import Entity, EntityChanged, EntityType, created, deleted, updated
from domain.entity_state import EntityState
from domain.errors import Conflict, Invalid, NotFound
from domain.isotime import iso
from domain.keys import channel_key
from domain.states import Binding, Device

ROLES = ("sensor", "actuator")
TIERS = ("low", "medium", "high")
MAX_CHANNEL = 65_535


@dataclass(frozen=True)
class Channel:
    """One channel to bind: where, to what quantity."""

    binding_id: str
    channel: int
    quantity_slug: str
    role: str = "sensor"
    sample_rate_tier: str = "low"


@dataclass(frozen=True)
class BindChannels:
    """Bind channels of a device (one binding, or every channel of a peripheral)."""

    ctx: Context
    device_id: str
    channels: Sequence[Channel]
    peripheral: str | None = None


@dataclass(frozen=True)
class UpdateBinding:
    """Change is_active, role or sample_rate_tier of a binding."""

    ctx: Context
    device_id: str
    binding_id: str
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeleteBinding:
    """Delete a binding (its history stays in ClickHouse)."""

    ctx: Context
    device_id: str
    binding_id: str


BindingCommand = BindChannels | UpdateBinding | DeleteBinding


def decide_binding(command: BindingCommand, state: EntityState) -> list[EntityChanged]:
    """The events that carry out a binding command against ``state``."""
    match command:
        case BindChannels():
            return _bind(command, state)
        case UpdateBinding():
            return [_update_binding(command, state)]
        case DeleteBinding():
            return [_delete_binding(command, state)]


def _bind(command: BindChannels, state: EntityState) -> list[EntityChanged]:
    ctx = command.ctx
    device = state.require(Device, command.device_id, ctx.org_id)
    taken = [
        c.channel
        for c in command.channels
        if state.holder(channel_key(device.entity_id, c.channel)) is not None
    ]
    if taken:
        raise channels_taken(taken, command.peripheral)
    return [
        _binding_created(ctx, device.entity_id, c, command.peripheral)
        for c in command.channels
    ]


def channels_taken(channels: Sequence[int], peripheral: str | None) -> Conflict:
    """The refusal of channels another binding of the device holds."""
    if peripheral is None:
        return Conflict(f"channel {channels[0]} is already bound")
    return Conflict(f"channels {list(channels)} are already bound")


def _binding_created(
    ctx: Context, device_id: str, c: Channel, peripheral: str | None
) -> EntityChanged:
    binding = Binding(
        device_id=device_id,
        channel=c.channel,
        quantity_slug=c.quantity_slug,
        role=c.role,
        sample_rate_tier=c.sample_rate_tier,
        is_active=True,
        peripheral=peripheral,
        created_at=iso(ctx.at),
    )
    key = channel_key(device_id, c.channel)
    return created(
        EntityType.BINDING, c.binding_id, ctx.org_id, binding, (key,), ctx.at, ctx.actor
    )


def binding_on(
    state: EntityState, org_id: str, device_id: str, binding_id: str
) -> Entity[Binding]:
    """The org's binding on that device; NotFound for any other (a binding of
    another device answers like a missing one)."""
    device = state.require(Device, device_id, org_id)
    binding = state.require(Binding, binding_id, org_id)
    if binding.state.device_id != device.entity_id:
        raise NotFound(f"binding {binding_id} not found")
    return binding


def _delete_binding(command: DeleteBinding, state: EntityState) -> EntityChanged:
    ctx = command.ctx
    binding = binding_on(state, ctx.org_id, command.device_id, command.binding_id)
    return deleted(binding, ctx.at, ctx.actor)


def _update_binding(command: UpdateBinding, state: EntityState) -> EntityChanged:
    ctx = command.ctx
    binding = binding_on(state, ctx.org_id, command.device_id, command.binding_id)
    if not command.changes:
        raise Invalid("body", "give is_active, role or sample_rate_tier")
    after = msgspec.structs.replace(binding.state, **command.changes)
    return updated(binding, after, state.keys_of(binding), ctx.at, ctx.actor)
