"""Devices: ``/api/v1/devices/`` and ``/api/v1/devices/{device_id}/``."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.entities import EntityAccess
from api.paging import page
from api.presence import Presence
from api.request import body_of
from api.resources.bindings import binding_view
from api.validation import Body, parse_bool, parse_uuid
from domain import registry
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.states import Binding, Site
from domain.states import Device as DeviceState
from projections.entitylog import EntityConflict


def device_view(
    device: Entity[DeviceState],
    state: EntityState,
    presence: Presence,
    detail: bool = False,
) -> dict[str, Any]:
    """A device as listed; ``detail`` adds its bindings."""
    s = device.state
    site = state.get(Site, s.site_id or "")
    bindings = state.where(Binding, "device_id", device.entity_id)
    last_seen = presence.last_seen(device.entity_id)
    view: dict[str, Any] = {
        "id": device.entity_id,
        "hardware_id": s.hardware_id,
        "display_name": s.display_name,
        "node_type": s.node_type,
        "site_id": s.site_id,
        "site": {"id": site.entity_id, "name": site.state.name} if site else None,
        "is_online": presence.is_online(last_seen),
        "last_seen_at": last_seen,
        "binding_count": len(bindings),
        "created_at": s.created_at,
        "updated_at": s.updated_at or s.created_at,
    }
    if detail:
        ordered = sorted(bindings.values(), key=lambda b: b.state.channel)
        view["bindings"] = [binding_view(b) for b in ordered]
    return view


def _filtered(
    req: falcon.asgi.Request, devices: list[Entity[DeviceState]], presence: Presence
) -> list[Entity[DeviceState]]:
    site_id = req.get_param("site_id")
    if site_id:
        site_id = parse_uuid("site_id", site_id)
        devices = [d for d in devices if d.state.site_id == site_id]
    node_type = req.get_param("node_type")
    if node_type:
        devices = [d for d in devices if d.state.node_type == node_type]
    search = (req.get_param("search") or "").strip().lower()
    if search:
        devices = [d for d in devices if _matches(d.state, search)]
    online = req.get_param("online")
    if online is not None:
        wanted = parse_bool("online", online)
        devices = [
            d
            for d in devices
            if presence.is_online(presence.last_seen(d.entity_id)) == wanted
        ]
    return devices


def _matches(device: DeviceState, search: str) -> bool:
    return search in device.display_name.lower() or search in device.hardware_id.lower()


def _fields(body: Body, partial: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if not partial or body.has("hardware_id"):
        fields["hardware_id"] = body.string("hardware_id", required=True, max_len=128)
    if not partial or body.has("display_name"):
        fields["display_name"] = body.string("display_name", required=True)
    if body.has("node_type"):
        fields["node_type"] = body.choice("node_type", registry.NODE_TYPES)
    if body.has("site_id"):
        fields["site_id"] = body.uuid("site_id")
    return fields


async def _write(
    entities: EntityAccess, command: registry.CreateDevice | registry.UpdateDevice
) -> Entity[DeviceState]:
    """Append a device write; a hardware id taken meanwhile is the same 409."""
    (event,) = registry.decide(command, entities.state)
    try:
        return await entities.write_one(event, DeviceState)
    except EntityConflict as ex:
        if ex.outcome.conflict_key and isinstance(event.state, DeviceState):
            raise registry.hardware_taken(event.state.hardware_id) from ex
        raise


class Devices:
    """``GET/POST /api/v1/devices/`` (filters ``site_id``, ``search``, ``online``,
    ``node_type``)."""

    def __init__(self, entities: EntityAccess, presence: Presence) -> None:
        self.e = entities
        self.presence = presence

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        org = principal_of(req).org_id
        devices = list(self.e.state.in_org(DeviceState, org).values())
        found = _filtered(req, devices, self.presence)
        resp.media = page(
            req, found, lambda d: device_view(d, self.e.state, self.presence)
        )

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        fields = _fields(await body_of(req), partial=False)
        command = registry.CreateDevice(self.e.context(req), self.e.new_id(), fields)
        device = await _write(self.e, command)
        resp.status = falcon.HTTP_201
        resp.media = device_view(device, self.e.state, self.presence, detail=True)


class Device:
    """``GET/PATCH/PUT/DELETE /api/v1/devices/{device_id}/``."""

    def __init__(self, entities: EntityAccess, presence: Presence) -> None:
        self.e = entities
        self.presence = presence

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        device = self.e.own(DeviceState, device_id, principal_of(req))
        resp.media = device_view(device, self.e.state, self.presence, detail=True)

    async def on_patch(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        self.e.own(DeviceState, device_id, principal_of(req))  # 404 before 400
        changes = _fields(await body_of(req), partial=True)
        command = registry.UpdateDevice(self.e.context(req), device_id, changes)
        device = await _write(self.e, command)
        resp.media = device_view(device, self.e.state, self.presence, detail=True)

    on_put = on_patch

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, device_id: str
    ) -> None:
        command = registry.DeleteDevice(self.e.context(req), device_id)
        await self.e.write(registry.decide(command, self.e.state))
        resp.status = falcon.HTTP_204
