"""Bindings (channel -> quantity) and PDP peripherals attached to a device."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.common import Services, body_of
from api.validation import ValidationError
from projections.entities import Entity
from projections.entitylog import EntityConflict
from schemas import quantities
from schemas.peripherals import registry

ROLES = ("sensor", "actuator")
TIERS = ("low", "medium", "high")
MAX_CHANNEL = 65_535


def channel_key(device_id: str, channel: int) -> str:
    """The unique key of a channel on a device."""
    return f"binding.channel:{device_id}:{channel}"


def binding_view(binding: Entity) -> dict[str, Any]:
    """A binding with its quantity."""
    s = binding.state
    q = quantities.catalog()[s["quantity_slug"]]
    return {
        "id": binding.entity_id,
        "device_id": s["device_id"],
        "channel": s["channel"],
        "quantity": {
            "slug": q.slug,
            "name": q.name,
            "base_unit_symbol": q.base_unit_symbol,
        },
        "quantity_slug": q.slug,
        "role": s["role"],
        "sample_rate_tier": s["sample_rate_tier"],
        "is_active": s["is_active"],
        "peripheral": s.get("peripheral"),
        "created_at": s["created_at"],
    }


def _device(services: Services, req: falcon.asgi.Request, device_id: str) -> Entity:
    return services.own(req, "device", device_id)


async def create_binding(
    services: Services,
    device: Entity,
    channel: int,
    slug: str,
    role: str,
    tier: str,
    peripheral: str | None = None,
) -> Entity:
    """Bind a channel; 409 when the channel is taken."""
    if slug not in quantities.catalog():
        raise ValidationError("quantity_slug", f"unknown quantity {slug!r}")
    key = channel_key(device.entity_id, channel)
    if services.state.holder(key) is not None:
        raise falcon.HTTPConflict(description=f"channel {channel} is already bound")
    state = {
        "device_id": device.entity_id,
        "channel": channel,
        "quantity_slug": slug,
        "role": role,
        "sample_rate_tier": tier,
        "is_active": True,
        "peripheral": peripheral,
        "created_at": services.now_iso(),
    }
    try:
        return await services.entities.create("binding", device.org_id, state, (key,))
    except EntityConflict as ex:
        raise falcon.HTTPConflict(
            description=f"channel {channel} is already bound"
        ) from ex


class Bindings:
    """``GET/POST /api/v1/devices/{device_id}/bindings/`` (GET: a bare array)."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = _device(self.s, req, device_id)
        found = self.s.state.where("binding", "device_id", device.entity_id).values()
        resp.media = [
            binding_view(b) for b in sorted(found, key=lambda b: b.state["channel"])
        ]

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = _device(self.s, req, device_id)
        body = await body_of(req)
        channel = body.integer("channel", required=True, minimum=0, maximum=MAX_CHANNEL)
        slug = body.string("quantity_slug", required=True)
        role = body.choice("role", ROLES, default="sensor")
        tier = body.choice("sample_rate_tier", TIERS, default="low")
        assert channel is not None and slug and role and tier  # noqa: S101 - validated
        binding = await create_binding(self.s, device, channel, slug, role, tier)
        resp.status = falcon.HTTP_201
        resp.media = binding_view(binding)


class Binding:
    """``GET/PATCH/DELETE /api/v1/devices/{device_id}/bindings/{binding_id}/``;
    PATCH ``{"is_active": false}`` deactivates."""

    def __init__(self, services: Services) -> None:
        self.s = services

    def _binding(
        self, req: falcon.asgi.Request, device_id: str, binding_id: str
    ) -> Entity:
        device = _device(self.s, req, device_id)
        binding = self.s.own(req, "binding", binding_id)
        if binding.state["device_id"] != device.entity_id:
            raise falcon.HTTPNotFound(description=f"binding {binding_id} not found")
        return binding

    async def on_get(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        device_id: str,
        binding_id: str,
    ) -> None:
        resp.media = binding_view(self._binding(req, device_id, binding_id))

    async def on_patch(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        device_id: str,
        binding_id: str,
    ) -> None:
        binding = self._binding(req, device_id, binding_id)
        body = await body_of(req)
        changes: dict[str, Any] = {}
        if body.has("is_active"):
            changes["is_active"] = body.boolean("is_active")
        if body.has("role"):
            changes["role"] = body.choice("role", ROLES)
        if body.has("sample_rate_tier"):
            changes["sample_rate_tier"] = body.choice("sample_rate_tier", TIERS)
        if not changes:
            raise ValidationError("body", "give is_active, role or sample_rate_tier")
        updated = await self.s.entities.update(binding, {**binding.state, **changes})
        resp.media = binding_view(updated)

    async def on_delete(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        device_id: str,
        binding_id: str,
    ) -> None:
        await self.s.entities.delete(self._binding(req, device_id, binding_id))
        resp.status = falcon.HTTP_204


class Peripherals:
    """``POST /api/v1/devices/{device_id}/peripherals/``: attach a PDP peripheral
    type at a channel and create one binding per channel it provides."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = _device(self.s, req, device_id)
        found = self.s.state.where("binding", "device_id", device.entity_id).values()
        attached: dict[str, list[int]] = {}
        for b in found:
            if b.state.get("peripheral"):
                attached.setdefault(b.state["peripheral"], []).append(
                    b.state["channel"]
                )
        resp.media = {
            "peripherals": [
                {"pdp_type_id": t, "channels": sorted(c)}
                for t, c in sorted(attached.items())
            ]
        }

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = _device(self.s, req, device_id)
        body = await body_of(req)
        type_id = body.string("pdp_type_id", required=True)
        ptype = registry().get(type_id or "")
        if ptype is None:
            raise ValidationError("pdp_type_id", f"unknown peripheral type {type_id!r}")
        first = body.integer(
            "channel",
            required=True,
            minimum=0,
            maximum=MAX_CHANNEL - len(ptype.channels),
        )
        assert first is not None  # noqa: S101 - required
        taken = [
            c.offset + first
            for c in ptype.channels
            if self.s.state.holder(channel_key(device.entity_id, c.offset + first))
        ]
        if taken:
            raise falcon.HTTPConflict(description=f"channels {taken} are already bound")
        made = [
            await create_binding(
                self.s,
                device,
                first + c.offset,
                c.quantity_slug,
                "sensor",
                "low",
                peripheral=ptype.pdp_type_id,
            )
            for c in ptype.channels
        ]
        resp.status = falcon.HTTP_201
        resp.media = {
            "peripheral": ptype.detail(),
            "bindings": [binding_view(b) for b in made],
        }
