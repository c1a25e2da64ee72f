"""Canvas dashboards: the commands that define and share them, the decisions, and
the checks of its panels (views: :mod:`domain.canvas_views`).

A panel shows series of the dashboard's org: bindings and Prism fields, checked
when the dashboard is defined. A share token opens the dashboard read-only to
anyone holding its link, and only for those series (:func:`check_on_dashboard`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.context import Context
from domain.entity import EntityChanged, EntityType, created, deleted, updated
from domain.entity_state import EntityState
from domain.errors import Invalid
from domain.isotime import iso
from domain.keys import dashboard_share_key
from domain.states import Binding, Dashboard, DashboardPanel, PanelLayout, PrismField

PANEL_TYPES = ("timeseries", "stat", "gauge", "table", "alerts")
MAX_PANELS = 50
MAX_PANEL_IDS = 50  # binding and field ids together, per panel
MAX_CELL = 1000  # the largest layout coordinate or size, in grid cells


@dataclass(frozen=True)
class PanelDraft:
    """A panel as asked for. It keeps ``requested_id`` when that names a panel
    the dashboard has (an edit sends back the ids it read), else ``fresh_id``."""

    type: str
    title: str
    layout: PanelLayout
    binding_ids: tuple[str, ...] = ()
    field_ids: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    requested_id: str | None = None
    fresh_id: str = ""


@dataclass(frozen=True)
class DashboardDefinition:
    """What a dashboard shows: its name, description and panels."""

    name: str
    panels: tuple[PanelDraft, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class CreateDashboard:
    """Define a new dashboard in an org."""

    ctx: Context
    dashboard_id: str
    definition: DashboardDefinition


@dataclass(frozen=True)
class RedefineDashboard:
    """Replace a dashboard's definition (its share link stays); with
    ``keep_panels`` its panels stay as they are, unchecked."""

    ctx: Context
    dashboard_id: str
    definition: DashboardDefinition
    keep_panels: bool = False


@dataclass(frozen=True)
class DeleteDashboard:
    """Delete a dashboard (its share link dies with it)."""

    ctx: Context
    dashboard_id: str


@dataclass(frozen=True)
class ShareDashboard:
    """Give a dashboard a new share token (replacing any earlier one)."""

    ctx: Context
    dashboard_id: str
    token: str
    token_digest: str  # the token's SHA-256, the unique key it claims


@dataclass(frozen=True)
class UnshareDashboard:
    """Revoke a dashboard's share token."""

    ctx: Context
    dashboard_id: str


Command = (
    CreateDashboard
    | RedefineDashboard
    | DeleteDashboard
    | ShareDashboard
    | UnshareDashboard
)


def decide(command: Command, state: EntityState) -> list[EntityChanged]:
    """The events a dashboard command makes."""
    match command:
        case CreateDashboard():
            return [_create(command, state)]
        case RedefineDashboard():
            return [_redefine(command, state)]
        case DeleteDashboard():
            entity = state.require(Dashboard, command.dashboard_id, command.ctx.org_id)
            return [deleted(entity, command.ctx.at, command.ctx.actor)]
        case ShareDashboard():
            return [_share(command, state)]
        case UnshareDashboard():
            return _unshare(command, state)


def _create(command: CreateDashboard, state: EntityState) -> EntityChanged:
    ctx, definition = command.ctx, command.definition
    panels = checked_panels(definition.panels, state, ctx.org_id, ())
    dashboard = Dashboard(
        name=definition.name,
        description=definition.description,
        panels=panels,
        created_at=iso(ctx.at),
    )
    return created(
        EntityType.DASHBOARD,
        command.dashboard_id,
        ctx.org_id,
        dashboard,
        (),
        ctx.at,
        ctx.actor,
    )


def _redefine(command: RedefineDashboard, state: EntityState) -> EntityChanged:
    ctx, definition = command.ctx, command.definition
    entity = state.require(Dashboard, command.dashboard_id, ctx.org_id)
    panels = entity.state.panels
    if not command.keep_panels:
        current = tuple(p.id for p in panels)
        panels = checked_panels(definition.panels, state, ctx.org_id, current)
    dashboard = Dashboard(
        name=definition.name,
        description=definition.description,
        panels=panels,
        share_token=entity.state.share_token,
        created_at=entity.state.created_at,
        updated_at=iso(ctx.at),
    )
    return updated(entity, dashboard, state.keys_of(entity), ctx.at, ctx.actor)


def _share(command: ShareDashboard, state: EntityState) -> EntityChanged:
    ctx = command.ctx
    entity = state.require(Dashboard, command.dashboard_id, ctx.org_id)
    dashboard = _with_token(entity.state, command.token, iso(ctx.at))
    keys = (dashboard_share_key(command.token_digest),)
    return updated(entity, dashboard, keys, ctx.at, ctx.actor)


def _unshare(command: UnshareDashboard, state: EntityState) -> list[EntityChanged]:
    """Nothing when the dashboard is not shared (revoking twice is no change)."""
    ctx = command.ctx
    entity = state.require(Dashboard, command.dashboard_id, ctx.org_id)
    if entity.state.share_token is None:
        return []
    dashboard = _with_token(entity.state, None, iso(ctx.at))
    return [updated(entity, dashboard, (), ctx.at, ctx.actor)]


def _with_token(dashboard: Dashboard, token: str | None, at: str) -> Dashboard:
    return Dashboard(
        name=dashboard.name,
        description=dashboard.description,
        panels=dashboard.panels,
        share_token=token,
        created_at=dashboard.created_at,
        updated_at=at,
    )


def checked_panels(
    drafts: Sequence[PanelDraft],
    state: EntityState,
    org_id: str,
    current_ids: Sequence[str],
) -> tuple[DashboardPanel, ...]:
    """The panels, each checked against the org (400 naming ``panels[i]...``),
    with their ids: a requested id of a current panel is kept, once."""
    if len(drafts) > MAX_PANELS:
        raise Invalid("panels", f"at most {MAX_PANELS} panels")
    free = set(current_ids)
    panels = []
    for index, draft in enumerate(drafts):
        check_panel(index, draft, state, org_id)
        panel_id = draft.fresh_id
        if draft.requested_id in free:
            panel_id = draft.requested_id
            free.discard(panel_id)
        panels.append(_panel(panel_id, draft))
    return tuple(panels)


def check_panel(index: int, draft: PanelDraft, state: EntityState, org_id: str) -> None:
    """A panel's type, layout and series: each id a binding or field of the org."""
    name = f"panels[{index}]"
    if draft.type not in PANEL_TYPES:
        raise Invalid(f"{name}.type", f"must be one of {', '.join(PANEL_TYPES)}")
    check_layout(name, draft.layout)
    count = len(draft.binding_ids) + len(draft.field_ids)
    if count > MAX_PANEL_IDS:
        raise Invalid(f"{name}.binding_ids", f"at most {MAX_PANEL_IDS} ids per panel")
    if count == 0 and draft.type != "alerts":
        needs = f"a {draft.type} panel needs binding_ids or field_ids"
        raise Invalid(f"{name}.binding_ids", needs)
    _check_series(name, draft, state, org_id)


def _check_series(
    name: str, draft: PanelDraft, state: EntityState, org_id: str
) -> None:
    for i, binding_id in enumerate(draft.binding_ids):
        if state.owned(Binding, binding_id, org_id) is None:
            raise Invalid(f"{name}.binding_ids[{i}]", f"unknown binding {binding_id}")
    for i, field_id in enumerate(draft.field_ids):
        if state.owned(PrismField, field_id, org_id) is None:
            raise Invalid(f"{name}.field_ids[{i}]", f"unknown Prism field {field_id}")


def check_layout(name: str, layout: PanelLayout) -> None:
    """Grid cells: x and y from 0, w and h from 1, none above :data:`MAX_CELL`."""
    for part, low in (("x", 0), ("y", 0), ("w", 1), ("h", 1)):
        value = getattr(layout, part)
        if not low <= value <= MAX_CELL:
            raise Invalid(
                f"{name}.layout.{part}", f"must be between {low} and {MAX_CELL}"
            )


def _panel(panel_id: str, draft: PanelDraft) -> DashboardPanel:
    return DashboardPanel(
        id=panel_id,
        type=draft.type,
        title=draft.title,
        binding_ids=draft.binding_ids,
        field_ids=draft.field_ids,
        options=dict(draft.options),
        layout=draft.layout,
    )
