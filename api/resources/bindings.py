"""Bindings (channel -> quantity) and PDP peripherals attached to a device."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.entities import EntityAccess
from api.request import body_of
from api.validation import Body, ValidationError
from domain import bindings
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.states import Binding as BindingState
from domain.states import Device
from projections.entitylog import EntityConflict
from schemas import quantities
from schemas.peripherals import PeripheralType
from schemas.peripherals import registry as pdp_registry


def binding_view(binding: Entity[BindingState]) -> dict[str, Any]:
    """A binding with its quantity."""
    s = binding.state
    q = quantities.catalog()[s.quantity_slug]
    return {
        "id": binding.entity_id,
        "device_id": s.device_id,
        "channel": s.channel,
        "quantity": {
            "slug": q.slug,
            "name": q.name,
            "base_unit_symbol": q.base_unit_symbol,
        },
        "quantity_slug": q.slug,
        "role": s.role,
        "sample_rate_tier": s.sample_rate_tier,
        "is_active": s.is_active,
        "peripheral": s.peripheral,
        "created_at": s.created_at,
    }


def bindings_of(state: EntityState, device_id: str) -> list[Entity[BindingState]]:
    """A device's bindings by channel."""
    found = state.where(BindingState, "device_id", device_id).values()
    return sorted(found, key=lambda b: b.state.channel)


def _slug(value: str | None) -> str:
    if value not in quantities.catalog():
        raise ValidationError("quantity_slug", f"unknown quantity {value!r}")
    return value


def _channel(body: Body, new_id: str) -> bindings.Channel:
    channel = body.integer(
        "channel", required=True, minimum=0, maximum=bindings.MAX_CHANNEL
    )
    slug = body.string("quantity_slug", required=True)
    role = body.choice("role", bindings.ROLES, default="sensor")
    tier = body.choice("sample_rate_tier", bindings.TIERS, default="low")
    assert channel is not None and role and tier  # noqa: S101 - validated
    return bindings.Channel(new_id, channel, _slug(slug), role, tier)


async def _bind(
    entities: EntityAccess, command: bindings.BindChannels
) -> list[Entity[BindingState]]:
    """Append the bindings; a channel taken meanwhile is the same 409."""
    events = bindings.decide_binding(command, entities.state)
    try:
        made = await entities.write(events)
    except EntityConflict as ex:
        channels = [c.channel for c in command.channels]
        raise bindings.channels_taken(channels, command.peripheral) from ex
    return [b for b in made if b is not None]


class Bindings:
    """``GET/POST /api/v1/devices/{device_id}/bindings/`` (GET: a bare array)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.e = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = self.e.own(Device, device_id, principal_of(req))
        resp.media = [
            binding_view(b) for b in bindings_of(self.e.state, device.entity_id)
        ]

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        self.e.own(Device, device_id, principal_of(req))
        channel = _channel(await body_of(req), self.e.new_id())
        command = bindings.BindChannels(self.e.context(req), device_id, [channel])
        (binding,) = await _bind(self.e, command)
        resp.status = falcon.HTTP_201
        resp.media = binding_view(binding)


class Binding:
    """``GET/PATCH/DELETE /api/v1/devices/{device_id}/bindings/{binding_id}/``;
    PATCH ``{"is_active": false}`` deactivates."""

    def __init__(self, entities: EntityAccess) -> None:
        self.e = entities

    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        device_id: str,
        binding_id: str,
    ) -> None:
        org = principal_of(req).org_id
        binding = bindings.binding_on(self.e.state, org, device_id, binding_id)
        resp.media = binding_view(binding)

    async def on_patch(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        device_id: str,
        binding_id: str,
    ) -> None:
        bindings.binding_on(
            self.e.state, principal_of(req).org_id, device_id, binding_id
        )
        changes = _binding_changes(await body_of(req))
        command = bindings.UpdateBinding(
            self.e.context(req), device_id, binding_id, changes
        )
        (event,) = bindings.decide_binding(command, self.e.state)
        resp.media = binding_view(await self.e.write_one(event, BindingState))

    async def on_delete(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        device_id: str,
        binding_id: str,
    ) -> None:
        command = bindings.DeleteBinding(self.e.context(req), device_id, binding_id)
        await self.e.write(bindings.decide_binding(command, self.e.state))
        resp.status = falcon.HTTP_204


def _binding_changes(body: Body) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if body.has("is_active"):
        changes["is_active"] = body.boolean("is_active")
    if body.has("role"):
        changes["role"] = body.choice("role", bindings.ROLES)
    if body.has("sample_rate_tier"):
        changes["sample_rate_tier"] = body.choice("sample_rate_tier", bindings.TIERS)
    return changes


class Peripherals:
    """``GET/POST /api/v1/devices/{device_id}/peripherals/``: attach a PDP peripheral
    type at a channel and create one binding per channel it provides."""

    def __init__(self, entities: EntityAccess) -> None:
        self.e = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = self.e.own(Device, device_id, principal_of(req))
        attached: dict[str, list[int]] = {}
        for b in bindings_of(self.e.state, device.entity_id):
            if b.state.peripheral:
                attached.setdefault(b.state.peripheral, []).append(b.state.channel)
        resp.media = {
            "peripherals": [
                {"pdp_type_id": t, "channels": sorted(c)}
                for t, c in sorted(attached.items())
            ]
        }

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        self.e.own(Device, device_id, principal_of(req))
        ptype, channels = self._parse(await body_of(req))
        command = bindings.BindChannels(
            self.e.context(req), device_id, channels, ptype.pdp_type_id
        )
        made = await _bind(self.e, command)
        resp.status = falcon.HTTP_201
        resp.media = {
            "peripheral": ptype.detail(),
            "bindings": [binding_view(b) for b in made],
        }

    def _parse(self, body: Body) -> tuple[PeripheralType, list[bindings.Channel]]:
        type_id = body.string("pdp_type_id", required=True)
        ptype = pdp_registry().get(type_id or "")
        if ptype is None:
            raise ValidationError("pdp_type_id", f"unknown peripheral type {type_id!r}")
        first = body.integer(
            "channel",
            required=True,
            minimum=0,
            maximum=bindings.MAX_CHANNEL - len(ptype.channels),
        )
        assert first is not None  # noqa: S101 - required
        channels = [
            bindings.Channel(self.e.new_id(), first + c.offset, c.quantity_slug)
            for c in ptype.channels
        ]
        return ptype, channels
