"""Sites: ``/api/v1/sites/`` and ``/api/v1/sites/{site_id}/``."""

from __future__ import annotations

import zoneinfo
from typing import Any

import falcon
import falcon.asgi

from api.auth import principal_of
from api.common import Services, body_of, by_creation, page
from api.validation import Body, ValidationError
from projections.entities import Entity


def site_view(site: Entity, services: Services) -> dict[str, Any]:
    """A site with its device count."""
    s = site.state
    return {
        "id": site.entity_id,
        "name": s["name"],
        "description": s.get("description", ""),
        "timezone": s.get("timezone", "UTC"),
        "latitude": s.get("latitude"),
        "longitude": s.get("longitude"),
        "device_count": len(services.state.where("device", "site_id", site.entity_id)),
        "created_at": s["created_at"],
        "updated_at": s.get("updated_at", s["created_at"]),
    }


def _fields(body: Body, partial: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if not partial or body.has("name"):
        fields["name"] = body.string("name", required=True)
    if body.has("description"):
        fields["description"] = (
            body.string("description", max_len=2000, blank=True) or ""
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

    def __init__(self, services: Services) -> None:
        self.s = services

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        sites = by_creation(self.s.state.in_org("site", who.org_id).values())
        search = (req.get_param("search") or "").strip().lower()
        if search:
            sites = [x for x in sites if search in x.state["name"].lower()]
        resp.media = page(req, sites, lambda x: site_view(x, self.s))

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        who = principal_of(req)
        fields = _fields(await body_of(req), partial=False)
        now = self.s.now_iso()
        state = {
            "description": "",
            "timezone": "UTC",
            "latitude": None,
            "longitude": None,
            **fields,
            "created_at": now,
            "updated_at": now,
        }
        site = await self.s.entities.create(
            "site", who.org_id, state, actor=who.user_id
        )
        resp.status = falcon.HTTP_201
        resp.media = site_view(site, self.s)


class Site:
    """``GET/PATCH/PUT/DELETE /api/v1/sites/{site_id}/``."""

    def __init__(self, services: Services) -> None:
        self.s = services

    def _site(self, req: falcon.asgi.Request, site_id: str) -> Entity:
        return self.s.own(req, "site", site_id)

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, site_id: str
    ) -> None:
        resp.media = site_view(self._site(req, site_id), self.s)

    async def on_patch(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, site_id: str
    ) -> None:
        site = self._site(req, site_id)
        fields = _fields(await body_of(req), partial=True)
        state = {**site.state, **fields, "updated_at": self.s.now_iso()}
        updated = await self.s.entities.update(site, state)
        resp.media = site_view(updated, self.s)

    on_put = on_patch

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, site_id: str
    ) -> None:
        site = self._site(req, site_id)
        for device in list(
            self.s.state.where("device", "site_id", site.entity_id).values()
        ):
            await self.s.entities.update(device, {**device.state, "site_id": None})
        await self.s.entities.delete(site)
        resp.status = falcon.HTTP_204
