"""Every route of the API, in one table."""

from __future__ import annotations

from typing import Any

import falcon.asgi

from api.common import Services
from api.resources import (
    alert_rules,
    alerts,
    auth,
    bindings,
    catalog,
    devices,
    explorer,
    ingest,
    keys,
    prism,
    schema_registry,
    sites,
)


def add_routes(app: falcon.asgi.App, services: Services) -> None:
    """Mount every resource."""
    sessions = auth.Sessions(services)
    table: list[tuple[str, object]] = [
        ("/api/auth/register", auth.Register(sessions)),
        ("/api/auth/login", auth.Login(sessions)),
        ("/api/auth/refresh", auth.Refresh(sessions)),
        ("/api/auth/me", auth.Me(services)),
        ("/api/v1/auth/login/", auth.PlatformLogin(sessions)),
        ("/api/v1/auth/token/refresh/", auth.PlatformRefresh(sessions)),
        ("/api/keys", keys.Keys(services)),
        ("/api/keys/{key_id}", keys.Key(services)),
        ("/api/v1/ingest/tokens/", keys.GatewayTokens(services)),
        ("/api/v1/ingest/tokens/{token_id}/", keys.GatewayToken(services)),
        ("/api/v1/sites/", sites.Sites(services)),
        ("/api/v1/sites/{site_id}/", sites.Site(services)),
        ("/api/v1/devices/", devices.Devices(services)),
        ("/api/v1/devices/{device_id}/", devices.Device(services)),
        ("/api/v1/devices/{device_id}/bindings/", bindings.Bindings(services)),
        (
            "/api/v1/devices/{device_id}/bindings/{binding_id}/",
            bindings.Binding(services),
        ),
        ("/api/v1/devices/{device_id}/peripherals/", bindings.Peripherals(services)),
        ("/api/v1/ingest/", ingest.Ingest(services)),
        ("/api/v1/explorer/query/", explorer.Explorer(services)),
        ("/api/v1/devices/{device_id}/latest/", explorer.Latest(services)),
        ("/api/v1/alerts/", alerts.Alerts(services)),
        ("/api/v1/alerts/stream/", alerts.AlertStream(services, services.hub)),
        ("/api/v1/alerts/{event_id}/", alerts.Alert(services)),
        (
            "/api/v1/alerts/{event_id}/acknowledge/",
            alerts.AlertAction(services, services.hub, "acknowledge"),
        ),
        (
            "/api/v1/alerts/{event_id}/resolve/",
            alerts.AlertAction(services, services.hub, "resolve"),
        ),
        ("/api/v1/alerts/rules/", alert_rules.AlertRules(services)),
        ("/api/v1/alerts/rules/{rule_id}/", alert_rules.AlertRule(services)),
        ("/api/v1/quantities/canonical/", catalog.Quantities()),
        ("/api/v1/quantities/canonical/{slug}/", catalog.QuantityDetail()),
        ("/api/v1/pdp/types/", catalog.PeripheralTypes()),
        ("/api/v1/pdp/types/{pdp_type_id}/", catalog.PeripheralType()),
        ("/api/v1/pdp/catalog/export/", catalog.CatalogExport()),
    ]
    jobs: dict[str, Any] = {}
    table += [
        ("/api/v1/prism/fields/", prism.Fields(services, jobs)),
        ("/api/v1/prism/fields/{field_id}/", prism.Field(services, jobs)),
        (
            "/api/v1/prism/fields/{field_id}/backfill/",
            prism.FieldBackfill(services, jobs),
        ),
        ("/api/v1/prism/{field_id}/data/", prism.FieldData(services)),
    ]
    table += schema_registry.routes(services.settings)
    for path, resource in table:
        app.add_route(path, resource)
