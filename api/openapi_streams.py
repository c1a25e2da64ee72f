"""OpenAPI path items of alerts (rules, events, live stream) and Prism fields."""

from __future__ import annotations

from api.openapi_paths import PAGE, Doc, edits, obj, op, path, q

RULE = obj(
    ["name", "condition"],
    name="string",
    target_type="string",
    binding_id="string",
    device_id="string",
    field_id="string",
    site_id="string",
    quantity_slug="string",
    condition="string",
    threshold="number",
    low="number",
    high="number",
    hysteresis="number",
    silence_s="number",
    severity="string",
    for_s="number",
    enabled="boolean",
)
RULE_NOTE = (
    "A rule targets a binding (`target_type: binding`, default, with `binding_id`), "
    "a device's quantity (`device_quantity`: `device_id` + `quantity_slug`), a "
    "quantity across a site (`site_quantity`: `site_id` + `quantity_slug`) or the org "
    "(`org_quantity`: `quantity_slug`). `condition`: `above`/`below` (`threshold`), "
    "`outside` (`low` < `high`), `rate_of_change` (`threshold` per second, absolute), "
    "`no_data` (`silence_s`). `hysteresis`: how far back past the limit a value must "
    "come to clear. `for_s`: how long the breach must last before firing. `severity`: "
    "critical, warning (default), info. `target_type: field` (`field_id`) evaluates a "
    "Prism computed field. Every matching series (binding or field) keeps its own "
    "state: a site rule over two pumps can fire twice. Edits apply to new data; an "
    "alert already active keeps its state. `no_data` and `for_s` use the measurement "
    "timestamps against the server clock, checked every VIGIL_ALERT_TICK_S."
)
ALERT_PATHS: Doc = {
    "/api/v1/alerts/rules/": {
        "get": op('List alert rules: `{"rules": [...]}`.', "alerts"),
        "post": op(
            "Create an alert rule.",
            "alerts",
            "201",
            "The rule",
            RULE,
            description=RULE_NOTE,
        ),
    },
    "/api/v1/alerts/rules/{rule_id}/": {
        "get": op("One rule.", "alerts", params=[path("rule_id")]),
        **edits(
            op(
                "Change a rule (fields given replace the stored ones).",
                "alerts",
                body=RULE,
                params=[path("rule_id")],
                description=RULE_NOTE,
            )
        ),
        "delete": op(
            "Delete a rule.", "alerts", "204", "Deleted", params=[path("rule_id")]
        ),
    },
}

EVENT_NOTE = (
    "An alert event is one firing of a rule on one series (a binding or a Prism "
    "field): `event_id`, `rule_id`, `rule_name`, `severity`, `device`, `device_id`, "
    "`binding_id` (= `series_id`), `quantity`, `quantity_slug`, `value` (at firing), "
    "`status` (active, acknowledged, resolved: the lifecycle only moves forward), "
    "`triggered_at`, `acknowledged_at`/`acknowledged_by`, `resolved_at`/"
    "`resolved_value`/`resolved_by` (null until then). Newest first. The list is read "
    "from ClickHouse: an alert shows up there within about a second of firing (the "
    "live stream is faster)."
)
ACTION_NOTE = (
    "The command goes to the evaluator that owns the series. The answer waits up to "
    "5 s for the transition and then shows the alert with its new status (200); if "
    "the evaluator has not answered by then, 202 with `pending`. 409 when the alert "
    "is not in a state that allows it (acknowledge: active; resolve: active or "
    "acknowledged). A manually resolved alert fires again on the next breach."
)
STREAM_NOTE = (
    "Server-Sent Events. Each alert transition (fired, acknowledged, resolved) is "
    "`event: alert` with `id:` (a number: the position on the alerts topic) and "
    "`data:` JSON `{event_id, severity, device, device_id, quantity, quantity_slug, "
    "value, triggered_at, at, state, status, rule_id, rule_name, series_id, "
    "transition_id}` (`state` = `status`). Authenticate with `Authorization: Bearer` "
    "or the browser session cookie (EventSource cannot send headers; GET needs no "
    "Origin). Reconnect with `Last-Event-ID` (or `?last_event_id=`) to receive every "
    "transition after that id, none twice. A `: ping` comment is sent every "
    "VIGIL_SSE_HEARTBEAT_S of silence; `retry: 2000` is suggested at connect. A "
    "client more than VIGIL_SSE_CLIENT_BUFFER events behind is disconnected (its "
    "reconnect with Last-Event-ID replays what it missed). Only the caller's org's "
    "alerts are sent. Note: the reference's Python example passes a response to "
    "`sseclient.SSEClient`; with the `sseclient` package pass the URL and headers "
    "instead (`SSEClient(url, headers=...)`), with `sseclient-py` iterate "
    "`SSEClient(resp).events()`."
)
EVENT_FILTERS = [
    q("status", "active, acknowledged or resolved."),
    q("severity", "critical, warning or info."),
    q("device_id", "Only alerts of this device (UUID)."),
]
ALERT_PATHS.update(
    {
        "/api/v1/alerts/": {
            "get": op(
                'List alert events: `{"events": [...]}`.',
                "alerts",
                params=EVENT_FILTERS + PAGE,
                description=EVENT_NOTE,
            )
        },
        "/api/v1/alerts/stream/": {
            "get": op(
                "Live alert stream (text/event-stream).",
                "alerts",
                params=EVENT_FILTERS[1:]
                + [q("last_event_id", "Same as the Last-Event-ID header.")],
                description=STREAM_NOTE,
            )
        },
        "/api/v1/alerts/{event_id}/": {
            "get": op(
                "One alert event.",
                "alerts",
                params=[path("event_id")],
                description=EVENT_NOTE,
            )
        },
        "/api/v1/alerts/{event_id}/acknowledge/": {
            "post": op(
                "Acknowledge an active alert.",
                "alerts",
                params=[path("event_id")],
                errors=("401", "403", "404", "409", "429"),
                description=ACTION_NOTE,
            )
        },
        "/api/v1/alerts/{event_id}/resolve/": {
            "post": op(
                "Resolve an alert by hand.",
                "alerts",
                params=[path("event_id")],
                errors=("401", "403", "404", "409", "429"),
                description=ACTION_NOTE,
            )
        },
    }
)

STREAM_PATHS: Doc = {**ALERT_PATHS}
