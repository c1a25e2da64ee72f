"""Canvas dashboards: ``/api/v1/canvas/`` CRUD, share links and the alerts of a
dashboard's series (decided in :mod:`domain.canvas`; the public side is
:mod:`api.resources.canvas_public`)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import falcon
import falcon.asgi
import orjson

from api.auth import principal_of
from api.credentials import sha256
from api.entities import EntityAccess
from api.paging import limit_offset
from api.request import body_of
from api.resources.alerts import STATUSES, choice_param
from api.validation import Body, ValidationError, parse_uuid
from domain import canvas
from domain.alerting import SEVERITIES
from domain.canvas import MAX_PANEL_IDS, DashboardDefinition, PanelDraft
from domain.canvas_views import alert_scope, dashboard_view, share_view
from domain.clock import IdGenerator
from domain.errors import Invalid
from domain.states import Dashboard, PanelLayout
from infra.clickhouse import AsyncStore
from projections.alerts import AlertScope, list_events

MAX_OPTIONS_BYTES = 4096


def definition_of(body: Body, new_id: IdGenerator) -> DashboardDefinition:
    """A dashboard definition from ``{"name", "description"?, "panels"?}``."""
    return DashboardDefinition(
        name=body.string("name", required=True) or "",
        description=body.string("description", max_len=2000, blank=True, multiline=True)
        or "",
        panels=panels_of(body.data.get("panels"), new_id),
    )


def panels_of(raw: Any, new_id: IdGenerator) -> tuple[PanelDraft, ...]:
    """Each panel's shape (its series and rules are checked in the domain)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError("panels", "must be a list of panels")
    return tuple(_panel(i, item, new_id) for i, item in enumerate(raw))


def _panel(index: int, raw: Any, new_id: IdGenerator) -> PanelDraft:
    name = f"panels[{index}]"
    if not isinstance(raw, Mapping):
        raise ValidationError(name, "must be an object")
    body = Body(raw)
    try:
        return PanelDraft(
            type=body.string("type", required=True) or "",
            title=body.string("title", required=True) or "",
            layout=_layout(body.data.get("layout")),
            binding_ids=_ids(body, "binding_ids"),
            field_ids=_ids(body, "field_ids"),
            options=_options(body.data.get("options")),
            requested_id=body.string("id", max_len=64),
            fresh_id=new_id(),
        )
    except Invalid as ex:
        raise ValidationError(f"{name}.{ex.field}", ex.message) from ex


def _layout(raw: Any) -> PanelLayout:
    """``{"x", "y", "w", "h"}``, integers (their bounds are the domain's)."""
    if not isinstance(raw, Mapping):
        raise ValidationError("layout", "must be an object {x, y, w, h}")
    body = Body(raw)
    try:
        cells = {part: body.integer(part, required=True) or 0 for part in "xywh"}
    except Invalid as ex:
        raise ValidationError(f"layout.{ex.field}", ex.message) from ex
    return PanelLayout(**cells)


def _ids(body: Body, name: str) -> tuple[str, ...]:
    raw = body.data.get(name)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError(name, "must be a list of ids")
    if len(raw) > MAX_PANEL_IDS:
        raise ValidationError(name, f"at most {MAX_PANEL_IDS} ids per panel")
    ids = []
    for i, value in enumerate(raw):
        if not isinstance(value, str):
            raise ValidationError(f"{name}[{i}]", "must be a UUID")
        ids.append(parse_uuid(f"{name}[{i}]", value))
    return tuple(dict.fromkeys(ids))


def _options(raw: Any) -> dict[str, Any]:
    """Free-form display options (units, thresholds, colours...), kept as given."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationError("options", "must be an object")
    if len(orjson.dumps(raw)) > MAX_OPTIONS_BYTES:
        raise ValidationError("options", f"at most {MAX_OPTIONS_BYTES} bytes of JSON")
    return raw


class Dashboards:
    """``GET/POST /api/v1/canvas/`` (GET: ``{"dashboards": [...]}``)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        found = self.entities.state.in_org(Dashboard, principal_of(req).org_id)
        resp.media = {"dashboards": [dashboard_view(d) for d in found.values()]}

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        ctx, body = self.entities.context(req), await body_of(req)
        definition = definition_of(body, self.entities.new_id)
        command = canvas.CreateDashboard(ctx, self.entities.new_id(), definition)
        (event,) = canvas.decide(command, self.entities.state)
        resp.status = falcon.HTTP_201
        resp.media = dashboard_view(await self.entities.write_one(event, Dashboard))


class DashboardItem:
    """``GET/PUT/PATCH/DELETE /api/v1/canvas/{dashboard_id}/``: PUT replaces the
    definition (absent fields take their defaults), PATCH changes the given
    top-level fields (``panels`` is replaced whole when given)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, dashboard_id: str
    ) -> None:
        who = principal_of(req)
        resp.media = dashboard_view(self.entities.own(Dashboard, dashboard_id, who))

    async def on_put(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, dashboard_id: str
    ) -> None:
        await self._redefine(req, resp, dashboard_id, patch=False)

    async def on_patch(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, dashboard_id: str
    ) -> None:
        await self._redefine(req, resp, dashboard_id, patch=True)

    async def _redefine(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        dashboard_id: str,
        patch: bool,
    ) -> None:
        ctx = self.entities.context(req)
        entity = self.entities.own(Dashboard, dashboard_id, principal_of(req))
        given = (await body_of(req)).data
        keep = patch and "panels" not in given
        stored = {"name": entity.state.name, "description": entity.state.description}
        body = Body({**stored, **given} if patch else given)
        command = canvas.RedefineDashboard(
            ctx, entity.entity_id, definition_of(body, self.entities.new_id), keep
        )
        (event,) = canvas.decide(command, self.entities.state)
        resp.media = dashboard_view(await self.entities.write_one(event, Dashboard))

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, dashboard_id: str
    ) -> None:
        command = canvas.DeleteDashboard(self.entities.context(req), dashboard_id)
        await self.entities.write(canvas.decide(command, self.entities.state))
        resp.status = falcon.HTTP_204


def new_share_token() -> str:
    """A fresh share token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class DashboardShare:
    """``POST /api/v1/canvas/{dashboard_id}/share/`` -> 201 ``{"token", "url"}``
    (a new token each time: the old link stops working); ``DELETE`` revokes
    (204)."""

    def __init__(self, entities: EntityAccess) -> None:
        self.entities = entities

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, dashboard_id: str
    ) -> None:
        token = new_share_token()
        command = canvas.ShareDashboard(
            self.entities.context(req), dashboard_id, token, sha256(token)
        )
        (event,) = canvas.decide(command, self.entities.state)
        await self.entities.write_one(event, Dashboard)
        resp.status = falcon.HTTP_201
        resp.media = share_view(token)

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, dashboard_id: str
    ) -> None:
        command = canvas.UnshareDashboard(self.entities.context(req), dashboard_id)
        events = canvas.decide(command, self.entities.state)
        if events:
            await self.entities.write(events)
        resp.status = falcon.HTTP_204


async def dashboard_alerts(
    store: AsyncStore,
    scope: tuple[list[str], list[str]],
    org_id: str,
    req: falcon.asgi.Request,
) -> list[dict[str, Any]]:
    """The alerts of a dashboard's devices and fields, newest first, paged by
    ``limit``/``offset`` and filtered by ``status``/``severity``."""
    devices, fields = scope
    limit, offset = limit_offset(req)
    status = choice_param(req, "status", STATUSES)
    severity = choice_param(req, "severity", SEVERITIES)
    if not devices and not fields:
        return []
    return await list_events(
        store,
        org_id,
        status=status,
        severity=severity,
        among=AlertScope(devices, fields),
        limit=limit,
        offset=offset,
    )


class DashboardAlerts:
    """``GET /api/v1/canvas/{dashboard_id}/alerts/`` -> ``{"events": [...]}``:
    alerts of the devices of the dashboard's bindings and of its Prism fields."""

    def __init__(self, entities: EntityAccess, store: AsyncStore) -> None:
        self.entities = entities
        self.store = store

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, dashboard_id: str
    ) -> None:
        entity = self.entities.own(Dashboard, dashboard_id, principal_of(req))
        scope = alert_scope(self.entities.state, entity)
        events = await dashboard_alerts(self.store, scope, entity.org_id, req)
        resp.media = {"events": events}
