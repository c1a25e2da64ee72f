"""Sites and devices: commands and decisions (bindings: :mod:`domain.bindings`).

Every decision reads the read model and returns the events to append, in order.
Cascades are decided here: deleting a site detaches its devices first; deleting a
device deletes its bindings first. Unique keys (a hardware id per org, a channel per
device) are checked against the read model here and decided for good by log order
when the events are folded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from domain.context import Context
from domain.entity import EntityChanged, EntityType, created, deleted, updated
from domain.entity_state import EntityState
from domain.errors import Conflict, Invalid
from domain.isotime import iso
from domain.keys import hardware_key
from domain.states import Binding, Device, Site

NODE_TYPES = ("sensor_node", "gateway", "actuator")


@dataclass(frozen=True)
class CreateSite:
    """Add a site (``fields``: name, description, timezone, latitude, longitude)."""

    ctx: Context
    site_id: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class UpdateSite:
    """Change some fields of a site."""

    ctx: Context
    site_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class DeleteSite:
    """Delete a site; its devices stay, without a site."""

    ctx: Context
    site_id: str


@dataclass(frozen=True)
class CreateDevice:
    """Register a device (``fields``: hardware_id, display_name, node_type,
    site_id)."""

    ctx: Context
    device_id: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class UpdateDevice:
    """Change some fields of a device."""

    ctx: Context
    device_id: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class DeleteDevice:
    """Delete a device and its bindings."""

    ctx: Context
    device_id: str


Command = (
    CreateSite | UpdateSite | DeleteSite | CreateDevice | UpdateDevice | DeleteDevice
)


def decide(command: Command, state: EntityState) -> list[EntityChanged]:
    """The events that carry out ``command`` against ``state``."""
    match command:
        case CreateSite():
            return [_create_site(command)]
        case UpdateSite():
            return [_update_site(command, state)]
        case DeleteSite():
            return _delete_site(command, state)
        case CreateDevice():
            return [_create_device(command, state)]
        case UpdateDevice():
            return [_update_device(command, state)]
        case DeleteDevice():
            return _delete_device(command, state)


def _create_site(command: CreateSite) -> EntityChanged:
    now = iso(command.ctx.at)
    site = Site(**command.fields, created_at=now, updated_at=now)
    ctx = command.ctx
    return created(
        EntityType.SITE, command.site_id, ctx.org_id, site, (), ctx.at, ctx.actor
    )


def _update_site(command: UpdateSite, state: EntityState) -> EntityChanged:
    ctx = command.ctx
    site = state.require(Site, command.site_id, ctx.org_id)
    after = msgspec.structs.replace(
        site.state, **command.changes, updated_at=iso(ctx.at)
    )
    return updated(site, after, state.keys_of(site), ctx.at, ctx.actor)


def _delete_site(command: DeleteSite, state: EntityState) -> list[EntityChanged]:
    ctx = command.ctx
    site = state.require(Site, command.site_id, ctx.org_id)
    detach = [
        updated(
            device,
            msgspec.structs.replace(device.state, site_id=None),
            state.keys_of(device),
            ctx.at,
            ctx.actor,
        )
        for device in state.where(Device, "site_id", site.entity_id).values()
    ]
    return [*detach, deleted(site, ctx.at, ctx.actor)]


def hardware_taken(hardware_id: str) -> Conflict:
    """The refusal of a hardware id another device of the org holds."""
    return Conflict(f"hardware_id {hardware_id!r} already exists")


def _check_site(state: EntityState, org_id: str, fields: Mapping[str, Any]) -> None:
    site_id = fields.get("site_id")
    if site_id is not None and state.owned(Site, site_id, org_id) is None:
        raise Invalid("site_id", f"site {site_id} not found")


def _create_device(command: CreateDevice, state: EntityState) -> EntityChanged:
    ctx = command.ctx
    _check_site(state, ctx.org_id, command.fields)
    now = iso(ctx.at)
    device = Device(**command.fields, created_at=now, updated_at=now)
    key = hardware_key(ctx.org_id, device.hardware_id)
    if state.holder(key) is not None:
        raise hardware_taken(device.hardware_id)
    return created(
        EntityType.DEVICE,
        command.device_id,
        ctx.org_id,
        device,
        (key,),
        ctx.at,
        ctx.actor,
    )


def _update_device(command: UpdateDevice, state: EntityState) -> EntityChanged:
    ctx = command.ctx
    device = state.require(Device, command.device_id, ctx.org_id)
    _check_site(state, ctx.org_id, command.changes)
    after = msgspec.structs.replace(
        device.state, **command.changes, updated_at=iso(ctx.at)
    )
    key = hardware_key(ctx.org_id, after.hardware_id)
    holder = state.holder(key)
    if holder is not None and holder != (EntityType.DEVICE, device.entity_id):
        raise hardware_taken(after.hardware_id)
    return updated(device, after, (key,), ctx.at, ctx.actor)


def _delete_device(command: DeleteDevice, state: EntityState) -> list[EntityChanged]:
    ctx = command.ctx
    device = state.require(Device, command.device_id, ctx.org_id)
    bindings = state.where(Binding, "device_id", device.entity_id).values()
    return [
        *(deleted(b, ctx.at, ctx.actor) for b in bindings),
        deleted(device, ctx.at, ctx.actor),
    ]
