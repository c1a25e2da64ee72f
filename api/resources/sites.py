"""Sites: ``/api/v1/sites/`` and ``/api/v1/sites/{site_id}/``."""

from __future__ import annotations

import zoneinfo
from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.entities import EntityAccess
from api.paging import page
from api.request import body_of
from api.validation import Body, ValidationError
from domain import registry
from domain.entity import Entity
from domain.entity_state import EntityState
from domain.states import Device
from domain.states import Site as SiteState


def site_view(site: Entity[SiteState], state: EntityState) -> dict[str, Any]:
    """A site with its device count."""
    s = site.state
    return {
        "id": site.entity_id,
        "name": s.name,
        "description": s.description,
        "timezone": s.timezone,
        "latitude": s.latitude,
        "longitude": s.longitude,
        "device_count": len(state.where(Device, "site_id", site.entity_id)),
        "created_at": s.created_at,
        "updated_at": s.updated_at or s.created_at,
    }


def _fields(body: Body, partial: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if not partial or body.has("name"):
        fields["name"] = body.string("name", required=True)
    if body.has("description"):
        fields["description"] = (
            body.string("description", max_len=2000, blank=True, multiline=True) or ""
        )
    if body.has("timezone"):
        fields["timezone"] = _timezone(body.string("timezone", required=True) or "UTC")
    if body.has("latitude"):
        fields["latitude"] = body.number("latitude", -90, 90)
    if body.has("longitude"):
        fields["longitude"] = body.number("longitude", -180, 180)
    return fields


def _timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as ex:
        raise ValidationError("timezone", f"unknown time zone {name!r}") from ex
    return name


class Sites:
    """``GET/POST /api/v1/sites/`` (``search`` filters by name)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.e = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        sites = list(self.e.state.in_org(SiteState, principal_of(req).org_id).values())
        search = (req.get_param("search") or "").strip().lower()
        if search:
            sites = [x for x in sites if search in x.state.name.lower()]
        resp.media = page(req, sites, lambda x: site_view(x, self.e.state))

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        fields = _fields(await body_of(req), partial=False)
        command = registry.CreateSite(self.e.context(req), self.e.new_id(), fields)
        (event,) = registry.decide(command, self.e.state)
        site = await self.e.write_one(event, SiteState)
        resp.status = falcon.HTTP_201
        resp.media = site_view(site, self.e.state)


class Site:
    """``GET/PATCH/PUT/DELETE /api/v1/sites/{site_id}/``."""

    def __init__(self, entities: EntityAccess) -> None:
        self.e = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, site_id: str
    ) -> None:
        site = self.e.own(SiteState, site_id, principal_of(req))
        resp.media = site_view(site, self.e.state)

    async def on_patch(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, site_id: str
    ) -> None:
        self.e.own(SiteState, site_id, principal_of(req))  # 404 before 400
        changes = _fields(await body_of(req), partial=True)
        command = registry.UpdateSite(self.e.context(req), site_id, changes)
        (event,) = registry.decide(command, self.e.state)
        resp.media = site_view(await self.e.write_one(event, SiteState), self.e.state)

    on_put = on_patch

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, site_id: str
    ) -> None:
        command = registry.DeleteSite(self.e.context(req), site_id)
        await self.e.write(registry.decide(command, self.e.state))
        resp.status = falcon.HTTP_204
