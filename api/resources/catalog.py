"""Reference data: CPO quantities and the PDP peripheral registry."""

from __future__ import annotations

import falcon
import falcon.asgi

from api.paging import page
from api.validation import ValidationError
from schemas import quantities
from schemas.peripherals import registry

STATUSES = ("official", "community", "pending")


def _class_param(req: falcon.asgi.Request, *names: str) -> str | None:
    """The first of ``names`` given (the others are aliases); each one given must
    be a class, so a bad alias is refused rather than ignored."""
    chosen = None
    for name in names:
        value = req.get_param(name)
        if not value:
            continue
        if value not in quantities.CLASSES:
            raise ValidationError(
                name, f"must be one of {', '.join(quantities.CLASSES)}"
            )
        chosen = chosen or value
    return chosen


class Quantities:
    """``GET /api/v1/quantities/canonical/`` (``search``, ``phenomenon_class`` or its
    alias ``domain``)."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        found = sorted(quantities.catalog().values(), key=lambda q: q.slug)
        cls = _class_param(req, "phenomenon_class", "domain")
        if cls:
            found = [q for q in found if q.phenomenon_class == cls]
        search = (req.get_param("search") or "").strip().lower()
        if search:
            found = [
                q
                for q in found
                if search in q.slug
                or search in q.name.lower()
                or search in q.description.lower()
            ]
        resp.media = page(req, found, lambda q: q.as_dict())


class QuantityDetail:
    """``GET /api/v1/quantities/canonical/{slug}/``."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, slug: str
    ) -> None:
        q = quantities.catalog().get(slug)
        if q is None:
            raise falcon.HTTPNotFound(description=f"quantity {slug} not found")
        resp.media = q.as_dict()


class PeripheralTypes:
    """``GET /api/v1/pdp/types/`` (``peripheral_class``, ``search``,
    ``contribution_status``)."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        found = sorted(registry().values(), key=lambda t: t.pdp_type_id)
        cls = _class_param(req, "peripheral_class")
        if cls:
            found = [t for t in found if t.peripheral_class == cls]
        status = req.get_param("contribution_status")
        if status:
            if status not in STATUSES:
                raise ValidationError(
                    "contribution_status", f"must be one of {', '.join(STATUSES)}"
                )
            found = [t for t in found if t.contribution_status == status]
        search = (req.get_param("search") or "").strip().lower()
        if search:
            found = [
                t
                for t in found
                if search in t.name.lower() or search in t.pdp_type_id.lower()
            ]
        resp.media = page(req, found, lambda t: t.summary())


class PeripheralType:
    """``GET /api/v1/pdp/types/{pdp_type_id}/``: the full definition with TEDS."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, pdp_type_id: str
    ) -> None:
        found = registry().get(pdp_type_id)
        if found is None:
            raise falcon.HTTPNotFound(
                description=f"peripheral type {pdp_type_id} not found"
            )
        resp.media = found.detail()


class CatalogExport:
    """``GET /api/v1/pdp/catalog/export/``: every public type in one document."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        public = [
            t.detail()
            for t in sorted(registry().values(), key=lambda t: t.pdp_type_id)
            if t.is_public
        ]
        resp.media = {
            "format": "vigil-pdp-catalog",
            "version": 1,
            "count": len(public),
            "types": public,
        }
        resp.set_header(
            "Content-Disposition", 'attachment; filename="pdp_catalog.json"'
        )
