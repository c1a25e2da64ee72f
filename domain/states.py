"""The typed state of each entity type (a declarative table of frozen structs).

msgspec Structs rather than dataclasses: the read model holds every live entity of
every org in memory in each API process, and Structs are smaller, build faster and
convert from and to the JSON on the wire in one validated call
(:func:`state_from_wire`, :func:`state_to_wire`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from domain.entity import EntityStateBase, EntityType


class Account(EntityStateBase, frozen=True, kw_only=True):
    """An organisation: every other entity belongs to one."""

    entity_type: ClassVar[EntityType] = EntityType.ACCOUNT
    name: str
    owner_user_id: str


class User(EntityStateBase, frozen=True, kw_only=True):
    """A person who logs in with email and password."""

    entity_type: ClassVar[EntityType] = EntityType.USER
    email: str
    name: str = ""
    role: str = "member"
    password_hash: str


class TokenFamily(EntityStateBase, frozen=True, kw_only=True):
    """One login session's chain of rotating refresh tokens."""

    entity_type: ClassVar[EntityType] = EntityType.TOKEN_FAMILY
    user_id: str
    current: str
    revoked: bool = False


class ApiKey(EntityStateBase, frozen=True, kw_only=True):
    """A ``vk_`` key (its SHA-256 is the unique key; the key is never stored)."""

    entity_type: ClassVar[EntityType] = EntityType.API_KEY
    name: str
    key_prefix: str
    permissions: tuple[str, ...] = ("read",)
    user_id: str | None = None
    usage_count: int = 0
    last_used_at: str | None = None


class GatewayToken(EntityStateBase, frozen=True, kw_only=True):
    """A ``gw_`` ingest token, optionally pinned to one hardware id."""

    entity_type: ClassVar[EntityType] = EntityType.GATEWAY_TOKEN
    name: str
    hardware_id: str | None = None
    token_prefix: str


class Site(EntityStateBase, frozen=True, kw_only=True):
    """A place devices are installed at."""

    entity_type: ClassVar[EntityType] = EntityType.SITE
    name: str
    description: str = ""
    timezone: str = "UTC"
    latitude: float | None = None
    longitude: float | None = None
    updated_at: str | None = None


class Device(EntityStateBase, frozen=True, kw_only=True):
    """A sensor node, gateway or actuator, unique by hardware id in its org."""

    entity_type: ClassVar[EntityType] = EntityType.DEVICE
    hardware_id: str
    display_name: str
    node_type: str = "sensor_node"
    site_id: str | None = None
    updated_at: str | None = None


class Binding(EntityStateBase, frozen=True, kw_only=True):
    """A device channel bound to a canonical quantity: one measurement series."""

    entity_type: ClassVar[EntityType] = EntityType.BINDING
    device_id: str
    channel: int
    quantity_slug: str
    role: str = "sensor"
    sample_rate_tier: str = "low"
    is_active: bool = True
    peripheral: str | None = None


class AlertRule(EntityStateBase, frozen=True, kw_only=True):
    """An alert rule: a target, a condition and how it fires."""

    entity_type: ClassVar[EntityType] = EntityType.ALERT_RULE
    name: str
    target_type: str = "binding"
    binding_id: str | None = None
    field_id: str | None = None
    device_id: str | None = None
    site_id: str | None = None
    quantity_slug: str | None = None
    condition: str
    threshold: float | None = None
    low: float | None = None
    high: float | None = None
    hysteresis: float = 0.0
    silence_s: float | None = None
    severity: str = "warning"
    for_s: float = 0.0
    enabled: bool = True
    updated_at: str | None = None


class PrismField(EntityStateBase, frozen=True, kw_only=True):
    """A Prism computed field: an expression over input series."""

    entity_type: ClassVar[EntityType] = EntityType.PRISM_FIELD
    name: str
    description: str = ""
    expression: str
    inputs: dict[str, str]
    unit: str = ""
    declared_unit: str | None = None
    align_s: float | None = None
    updated_at: str | None = None


class Subscriptions(msgspec.Struct, frozen=True, kw_only=True):
    """Platform alerts a watcher hears: any listed site, device or rule, at one of
    the listed severities (empty lists: none of that kind)."""

    site_ids: tuple[str, ...] = ()
    device_ids: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    severities: tuple[str, ...] = ("critical", "warning", "info")


class Watcher(EntityStateBase, frozen=True, kw_only=True):
    """An LLM agent on an email inbox and on the platform's alert streams."""

    entity_type: ClassVar[EntityType] = EntityType.WATCHER
    name: str
    system_prompt: str
    tools: tuple[str, ...] = ("send_alert",)
    silence_hours: float = 48.0
    tick_interval: float = 60.0
    model: str = "gpt-4.1-mini"
    template_id: str | None = None
    status: str = "active"
    reactivity: float = 3.0
    memory_sensitivity: float = 3.0
    slug: str
    ingest_token: str
    signing_secret: str
    subscriptions: Subscriptions = Subscriptions()
    updated_at: str | None = None


class CustomTool(EntityStateBase, frozen=True, kw_only=True):
    """A webhook-backed tool a watcher's agent can call."""

    entity_type: ClassVar[EntityType] = EntityType.CUSTOM_TOOL
    watcher_id: str
    name: str
    description: str
    webhook_url: str
    headers: dict[str, str] = {}
    parameter_schema: dict[str, Any] = {}
    enabled: bool = True
    updated_at: str | None = None


class Channel(EntityStateBase, frozen=True, kw_only=True):
    """Where a watcher's alerts are delivered: an email address or a webhook."""

    entity_type: ClassVar[EntityType] = EntityType.CHANNEL
    watcher_id: str
    type: str
    destination: str
    enabled: bool = True
    updated_at: str | None = None


class PanelLayout(msgspec.Struct, frozen=True, kw_only=True):
    """Where a panel sits on the dashboard's grid (cells)."""

    x: int
    y: int
    w: int
    h: int


class DashboardPanel(msgspec.Struct, frozen=True, kw_only=True):
    """One panel of a dashboard: what it shows (series ids) and where."""

    id: str
    type: str
    title: str
    binding_ids: tuple[str, ...] = ()
    field_ids: tuple[str, ...] = ()
    options: dict[str, Any] = {}
    layout: PanelLayout


class Dashboard(EntityStateBase, frozen=True, kw_only=True):
    """A Canvas dashboard; ``share_token`` is its public link's secret (kept, so
    the owner sees the link again; its SHA-256 is the unique key)."""

    entity_type: ClassVar[EntityType] = EntityType.DASHBOARD
    name: str
    description: str = ""
    panels: tuple[DashboardPanel, ...] = ()
    share_token: str | None = None
    updated_at: str | None = None


STATE_TYPES: dict[EntityType, type[EntityStateBase]] = {
    cls.entity_type: cls
    for cls in (
        Account,
        User,
        TokenFamily,
        ApiKey,
        GatewayToken,
        Site,
        Device,
        Binding,
        AlertRule,
        PrismField,
        Watcher,
        CustomTool,
        Channel,
        Dashboard,
    )
}


def state_from_wire(entity_type: EntityType, data: Any) -> EntityStateBase:
    """The typed state of ``entity_type`` from its JSON-compatible form.

    Raises ``msgspec.ValidationError`` when the data does not fit the type.
    """
    return msgspec.convert(data, STATE_TYPES[entity_type])


def state_to_wire(state: EntityStateBase) -> dict[str, Any]:
    """The JSON-compatible form of a state (every field, ``None`` included)."""
    wire: dict[str, Any] = msgspec.to_builtins(state)
    return wire
