"""What a dashboard's org and a share link see of it, and what a share link may
read: only the series its panels show, over a bounded range, and the alerts of
those series when it has an ``alerts`` panel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.entity import Entity
from domain.entity_state import EntityState
from domain.errors import Invalid, NotFound
from domain.states import Binding, Dashboard, DashboardPanel

PUBLIC_PREFIX = "/api/v1/canvas/public/"
DAY_US = 86_400_000_000


def share_url(token: str) -> str:
    """The public page of a share token."""
    return f"{PUBLIC_PREFIX}{token}/"


def dashboard_view(entity: Entity[Dashboard]) -> dict[str, Any]:
    """A dashboard as its org sees it (with its share link, if any)."""
    d = entity.state
    token = d.share_token
    return {
        "id": entity.entity_id,
        "name": d.name,
        "description": d.description,
        "panels": [panel_view(p) for p in d.panels],
        "share": None if token is None else share_view(token),
        "created_at": d.created_at,
        "updated_at": d.updated_at or d.created_at,
    }


def share_view(token: str) -> dict[str, str]:
    """A share link: ``{"token", "url"}``."""
    return {"token": token, "url": share_url(token)}


def panel_view(panel: DashboardPanel) -> dict[str, Any]:
    """One panel as the API shows it."""
    layout = panel.layout
    return {
        "id": panel.id,
        "type": panel.type,
        "title": panel.title,
        "binding_ids": list(panel.binding_ids),
        "field_ids": list(panel.field_ids),
        "options": dict(panel.options),
        "layout": {"x": layout.x, "y": layout.y, "w": layout.w, "h": layout.h},
    }


def public_view(dashboard: Dashboard, token: str) -> dict[str, Any]:
    """What a share link shows: the definition and where its data is read (no
    ids of the org beyond the panels' series)."""
    base = share_url(token)
    return {
        "name": dashboard.name,
        "description": dashboard.description,
        "panels": [panel_view(p) for p in dashboard.panels],
        "updated_at": dashboard.updated_at or dashboard.created_at,
        "query_url": f"{base}query/",
        "alerts_url": f"{base}alerts/" if shows_alerts(dashboard) else None,
    }


def series_on(dashboard: Dashboard) -> set[str]:
    """Every binding and field id the dashboard's panels show."""
    return {i for p in dashboard.panels for i in (*p.binding_ids, *p.field_ids)}


def check_on_dashboard(dashboard: Dashboard, ids: Iterable[str]) -> None:
    """Refuse (404) series the dashboard does not show."""
    shown = series_on(dashboard)
    missing = [i for i in ids if i not in shown]
    if missing:
        raise NotFound(f"not on this dashboard: {', '.join(missing)}")


def check_range(start_us: int, end_us: int, max_days: int) -> None:
    """Refuse a public query over more than ``max_days`` days."""
    if end_us - start_us > max_days * DAY_US:
        raise Invalid("start", f"a shared dashboard is queried {max_days} days at most")


def shows_alerts(dashboard: Dashboard) -> bool:
    """Whether the dashboard has an ``alerts`` panel."""
    return any(p.type == "alerts" for p in dashboard.panels)


def alert_scope(
    state: EntityState, entity: Entity[Dashboard]
) -> tuple[list[str], list[str]]:
    """Whose alerts the dashboard lists: the devices of its live bindings, and
    its Prism fields."""
    bindings = [
        state.owned(Binding, i, entity.org_id)
        for p in entity.state.panels
        for i in p.binding_ids
    ]
    devices = [b.state.device_id for b in bindings if b is not None]
    fields = [i for p in entity.state.panels for i in p.field_ids]
    return list(dict.fromkeys(devices)), list(dict.fromkeys(fields))


PUBLIC_ALERT_FIELDS = (
    "event_id",
    "rule_name",
    "severity",
    "status",
    "device",
    "device_id",
    "binding_id",
    "series_id",
    "quantity",
    "quantity_slug",
    "value",
    "triggered_at",
    "acknowledged_at",
    "resolved_at",
    "resolved_value",
)


def public_alert(event: Mapping[str, Any]) -> dict[str, Any]:
    """An alert as a share link shows it: no rule ids, no user ids."""
    return {name: event.get(name) for name in PUBLIC_ALERT_FIELDS}
