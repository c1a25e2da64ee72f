"""Every route of the API, in one table, each resource given exactly what it uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import falcon.asgi

from agents.argus import Argus
from agents.mailroom import Mailroom
from agents.nlq.service import NlqService
from agents.outbound import OutboundPolicy
from agents.watcher_runtime import WatcherRuntime
from api.alert_hub import AlertHub
from api.canvas_page import PublicPages
from api.credentials import Tokens
from api.entities import EntityAccess
from api.presence import Presence
from api.resources import (
    ai_nlq,
    alert_rules,
    alerts,
    argus,
    auth,
    bindings,
    canvas,
    canvas_public,
    catalog,
    devices,
    explorer,
    inbound,
    ingest,
    keys,
    prism,
    schema_registry,
    sites,
    watcher_data,
    watcher_memory,
    watcher_tools,
    watcher_usage,
    watchers,
)
from api.usage import KeyUsage
from domain.clock import Clock
from infra.clickhouse import AsyncStore
from infra.kafka import AsyncProducer
from infra.settings import Settings
from projections.fact_log import FactLog
from projections.progress import ProjectionProgress
from streams.prism.backfill import BackfillJobs


@dataclass(frozen=True)
class Parts:
    """What create_app built, for the route table to hand out piece by piece."""

    settings: Settings
    entities: EntityAccess
    store: AsyncStore
    producer: AsyncProducer
    hub: AlertHub
    tokens: Tokens
    usage: KeyUsage
    presence: Presence
    jobs: BackfillJobs
    clock: Clock
    progress: ProjectionProgress | None
    runtime: WatcherRuntime
    facts: FactLog
    mailroom: Mailroom
    policy: OutboundPolicy
    argus: Argus
    nlq: NlqService


Table = list[tuple[str, object]]


def _identity(p: Parts) -> Table:
    sessions = auth.Sessions(p.entities, p.tokens)
    return [
        ("/api/auth/register", auth.Register(sessions)),
        ("/api/auth/login", auth.Login(sessions)),
        ("/api/auth/refresh", auth.Refresh(sessions)),
        ("/api/auth/me", auth.Me(p.entities.state)),
        ("/api/v1/auth/login/", auth.PlatformLogin(sessions)),
        ("/api/v1/auth/token/refresh/", auth.PlatformRefresh(sessions)),
        ("/api/keys", keys.Keys(p.entities, p.usage)),
        ("/api/keys/{key_id}", keys.Key(p.entities)),
        ("/api/v1/ingest/tokens/", keys.GatewayTokens(p.entities)),
        ("/api/v1/ingest/tokens/{token_id}/", keys.GatewayToken(p.entities)),
    ]


def _registry(p: Parts) -> Table:
    device_path = "/api/v1/devices/{device_id}"
    return [
        ("/api/v1/sites/", sites.Sites(p.entities)),
        ("/api/v1/sites/{site_id}/", sites.Site(p.entities)),
        ("/api/v1/devices/", devices.Devices(p.entities, p.presence)),
        (f"{device_path}/", devices.Device(p.entities, p.presence)),
        (f"{device_path}/bindings/", bindings.Bindings(p.entities)),
        (f"{device_path}/bindings/{{binding_id}}/", bindings.Binding(p.entities)),
        (f"{device_path}/peripherals/", bindings.Peripherals(p.entities)),
        ("/api/v1/quantities/canonical/", catalog.Quantities()),
        ("/api/v1/quantities/canonical/{slug}/", catalog.QuantityDetail()),
        ("/api/v1/pdp/types/", catalog.PeripheralTypes()),
        ("/api/v1/pdp/types/{pdp_type_id}/", catalog.PeripheralType()),
        ("/api/v1/pdp/catalog/export/", catalog.CatalogExport()),
    ]


def _telemetry(p: Parts) -> Table:
    state = p.entities.state
    return [
        (
            "/api/v1/ingest/",
            ingest.Ingest(
                state,
                p.producer,
                p.presence,
                p.clock,
                p.entities.new_id,
                p.settings,
                p.progress,
            ),
        ),
        (
            "/api/v1/explorer/query/",
            explorer.Explorer(state, p.store, p.clock, p.settings),
        ),
        ("/api/v1/devices/{device_id}/latest/", explorer.Latest(p.entities, p.store)),
    ]


def _alerts(p: Parts) -> Table:
    def action(kind: str) -> alerts.AlertAction:
        return alerts.AlertAction(
            p.store, p.producer, p.hub, p.clock, p.settings, kind, p.entities.new_id
        )

    return [
        ("/api/v1/alerts/", alerts.Alerts(p.store, p.hub)),
        (
            "/api/v1/alerts/stream/",
            alerts.AlertStream(p.entities.state, p.store, p.hub, p.clock, p.settings),
        ),
        ("/api/v1/alerts/{event_id}/", alerts.Alert(p.store, p.hub)),
        ("/api/v1/alerts/{event_id}/acknowledge/", action("acknowledge")),
        ("/api/v1/alerts/{event_id}/resolve/", action("resolve")),
        ("/api/v1/alerts/rules/", alert_rules.AlertRules(p.entities)),
        ("/api/v1/alerts/rules/{rule_id}/", alert_rules.AlertRule(p.entities)),
    ]


def _prism(p: Parts) -> Table:
    fields = "/api/v1/prism/fields"
    return [
        (f"{fields}/", prism.Fields(p.entities, p.jobs)),
        (f"{fields}/{{field_id}}/", prism.Field(p.entities, p.jobs)),
        (f"{fields}/{{field_id}}/backfill/", prism.FieldBackfill(p.entities, p.jobs)),
        (
            "/api/v1/prism/{field_id}/data/",
            prism.FieldData(p.entities, p.store, p.clock),
        ),
    ]


def _canvas(p: Parts) -> Table:
    one = "/api/v1/canvas/{dashboard_id}"
    shared = "/api/v1/canvas/public/{token}"
    gate = canvas_public.ShareGate(p.entities.state, p.settings)
    pages = PublicPages(p.settings.canvas_frame_ancestors)
    return [
        ("/api/v1/canvas/", canvas.Dashboards(p.entities)),
        (f"{one}/", canvas.DashboardItem(p.entities)),
        (f"{one}/share/", canvas.DashboardShare(p.entities)),
        (f"{one}/alerts/", canvas.DashboardAlerts(p.entities, p.store)),
        (f"{shared}/", canvas_public.PublicDashboard(gate, pages)),
        (
            f"{shared}/query/",
            canvas_public.PublicQuery(gate, p.store, p.clock, p.settings),
        ),
        (f"{shared}/alerts/", canvas_public.PublicAlerts(gate, p.store)),
    ]


def _watchers(p: Parts) -> Table:
    w = "/api/watchers/{watcher_id}"
    data = watcher_data.WatcherData(p.entities, p.store, p.facts)
    thread = f"{w}/threads/{{thread_id}}"
    return [
        ("/api/watchers", watchers.Watchers(p.entities, p.settings)),
        (w, watchers.Watcher(p.entities, p.settings)),
        (f"{w}/invoke", watchers.Invoke(p.entities, p.runtime)),
        (f"{w}/digest", watchers.Digest(p.entities, p.runtime)),
        (f"{w}/threads", watcher_data.Threads(data)),
        (thread, watcher_data.Thread(data)),
        (f"{thread}/close", watcher_data.CloseThread(data)),
        (f"{w}/memory", watcher_memory.Memories(data)),
        (f"{w}/memory/{{memory_id}}", watcher_memory.Memory(data)),
        (f"{w}/actions", watcher_data.Actions(data)),
        (f"{w}/tools", watcher_tools.Tools(p.entities)),
        (f"{w}/tools/{{tool_id}}", watcher_tools.Tool(p.entities)),
        (f"{w}/tools/{{tool_id}}/test", watcher_tools.ToolTest(p.entities, p.policy)),
        (f"{w}/channels", watcher_tools.Channels(p.entities)),
        (f"{w}/channels/{{channel_id}}", watcher_tools.Channel(p.entities)),
        ("/api/usage", watcher_usage.Usage(p.entities, p.store)),
        (
            "/api/inbound/{ingest_token}",
            inbound.Inbound(p.mailroom, p.settings.mail_max_bytes),
        ),
    ]


def _ai(p: Parts) -> Table:
    base = "/api/v1/ai/argus"
    return [
        ("/api/v1/ai/nlq/", ai_nlq.Nlq(p.nlq)),
        (f"{base}/message/", argus.ArgusMessage(p.entities, p.store, p.argus)),
        (f"{base}/conversations/", argus.Conversations(p.store)),
        (f"{base}/investigations/", argus.Investigations(p.store)),
        (
            f"{base}/investigations/{{investigation_id}}/",
            argus.Investigation(p.store),
        ),
    ]


class SlashAliases:
    """Falcon middleware: the watchers reference (``/api/…``, not ``/api/v1/…``)
    writes paths without a trailing slash; a client that adds one reaches the
    same resource."""

    async def process_request(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        path = req.path
        if len(path) > 5 and path.endswith("/") and not path.startswith("/api/v1/"):
            if path.startswith("/api/"):
                req.path = path.rstrip("/")


def add_routes(app: falcon.asgi.App[Any, Any], parts: Parts) -> None:
    """Mount every resource."""
    table = [
        *_identity(parts),
        *_registry(parts),
        *_telemetry(parts),
        *_alerts(parts),
        *_prism(parts),
        *_canvas(parts),
        *_watchers(parts),
        *_ai(parts),
        *schema_registry.routes(parts.settings),
    ]
    for path, resource in table:
        app.add_route(path, resource)
