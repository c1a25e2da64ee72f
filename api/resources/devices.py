"""Devices: ``/api/v1/devices/`` and ``/api/v1/devices/{device_id}/``."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.common import Services, body_of, by_creation, page
from api.resources.bindings import binding_view
from api.validation import Body, ValidationError, parse_bool, parse_uuid
from projections.entities import Entity
from projections.entitylog import EntityConflict

NODE_TYPES = ("sensor_node", "gateway", "actuator")


def hardware_key(org_id: str, hardware_id: str) -> str:
    """The unique key of a hardware id within an org."""
    return f"device.hw:{org_id}:{hardware_id}"


def device_view(
    device: Entity, services: Services, detail: bool = False
) -> dict[str, Any]:
    """A device as listed; ``detail`` adds its bindings."""
    s = device.state
    site = services.state.get("site", s.get("site_id") or "")
    bindings = services.state.where("binding", "device_id", device.entity_id)
    last_seen = services.presence.last_seen(device.entity_id)
    view = {
        "id": device.entity_id,
        "hardware_id": s["hardware_id"],
        "display_name": s["display_name"],
        "node_type": s["node_type"],
        "site_id": s.get("site_id"),
        "site": {"id": site.entity_id, "name": site.state["name"]} if site else None,
        "is_online": services.presence.is_online(last_seen),
        "last_seen_at": last_seen,
        "binding_count": len(bindings),
        "created_at": s["created_at"],
        "updated_at": s.get("updated_at", s["created_at"]),
    }
    if detail:
        ordered = sorted(bindings.values(), key=lambda b: b.state["channel"])
        view["bindings"] = [binding_view(b) for b in ordered]
    return view


class Devices:
    """``GET/POST /api/v1/devices/`` (filters ``site_id``, ``search``, ``online``,
    ``node_type``)."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        devices = self._filter(
            req, list(self.s.state.in_org("device", who.org_id).values())
        )
        online = req.get_param("online")
        if online is not None:
            wanted = parse_bool("online", online)
            presence = self.s.presence
            devices = [
                d
                for d in devices
                if presence.is_online(presence.last_seen(d.entity_id)) == wanted
            ]
        resp.media = page(req, by_creation(devices), lambda d: device_view(d, self.s))

    def _filter(self, req: falcon.asgi.Request, devices: list[Entity]) -> list[Entity]:
        site_id = req.get_param("site_id")
        if site_id:
            site_id = parse_uuid("site_id", site_id)
            devices = [d for d in devices if d.state.get("site_id") == site_id]
        node_type = req.get_param("node_type")
        if node_type:
            devices = [d for d in devices if d.state["node_type"] == node_type]
        search = (req.get_param("search") or "").strip().lower()
        if search:
            devices = [
                d
                for d in devices
                if search in d.state["display_name"].lower()
                or search in d.state["hardware_id"].lower()
            ]
        return devices

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        fields = _fields(await body_of(req), self.s, who.org_id, partial=False)
        now = self.s.now_iso()
        state = {
            "node_type": "sensor_node",
            "site_id": None,
            **fields,
            "created_at": now,
            "updated_at": now,
        }
        key = hardware_key(who.org_id, state["hardware_id"])
        if self.s.state.holder(key) is not None:
            raise _taken(state["hardware_id"])
        try:
            device = await self.s.entities.create(
                "device", who.org_id, state, (key,), actor=who.user_id
            )
        except EntityConflict as ex:
            raise _taken(state["hardware_id"]) from ex
        resp.status = falcon.HTTP_201
        resp.media = device_view(device, self.s, detail=True)


def _taken(hardware_id: str) -> falcon.HTTPConflict:
    return falcon.HTTPConflict(
        description=f"hardware_id {hardware_id!r} already exists"
    )


def _fields(
    body: Body, services: Services, org_id: str, partial: bool
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if not partial or body.has("hardware_id"):
        fields["hardware_id"] = body.string("hardware_id", required=True, max_len=128)
    if not partial or body.has("display_name"):
        fields["display_name"] = body.string("display_name", required=True)
    if body.has("node_type"):
        fields["node_type"] = body.choice("node_type", NODE_TYPES)
    if body.has("site_id"):
        site_id = body.uuid("site_id")
        if site_id is not None:
            site = services.state.get("site", site_id)
            if site is None or site.org_id != org_id:
                raise ValidationError("site_id", f"site {site_id} not found")
        fields["site_id"] = site_id
    return fields


class Device:
    """``GET/PATCH/PUT/DELETE /api/v1/devices/{device_id}/``."""

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        resp.media = device_view(
            owned_device(self.s, req, device_id), self.s, detail=True
        )

    async def on_patch(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = owned_device(self.s, req, device_id)
        fields = _fields(await body_of(req), self.s, device.org_id, partial=True)
        state = {**device.state, **fields, "updated_at": self.s.now_iso()}
        keys = (hardware_key(device.org_id, state["hardware_id"]),)
        try:
            updated = await self.s.entities.update(device, state, keys)
        except EntityConflict as ex:
            if ex.outcome.conflict_key:
                raise _taken(state["hardware_id"]) from ex
            raise
        resp.media = device_view(updated, self.s, detail=True)

    on_put = on_patch

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = owned_device(self.s, req, device_id)
        for binding in list(
            self.s.state.where("binding", "device_id", device_id).values()
        ):
            await self.s.entities.delete(binding)
        await self.s.entities.delete(device)
        resp.status = falcon.HTTP_204


def owned_device(
    services: Services, req: falcon.asgi.Request, device_id: str
) -> Entity:
    """The caller's device, or 404."""
    return services.own(req, "device", device_id)
