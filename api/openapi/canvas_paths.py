"""OpenAPI path items of Canvas dashboards: CRUD, share links, alerts, and the
public page and query a share link opens."""

from __future__ import annotations

from api.openapi.parts import (
    LINE_CONTROL,
    PAGE,
    SPACE,
    TIME,
    UUID,
    Doc,
    choice,
    free_text,
    integer,
    line,
    nullable,
    op,
    path,
    q,
    text,
)
from api.resources.alerts import STATUSES as ALERT_STATUSES
from domain.alerting import SEVERITIES
from domain.canvas import MAX_CELL, MAX_PANEL_IDS, MAX_PANELS, PANEL_TYPES

TAG = "canvas"
IDS: Doc = {
    "type": ["array", "null"],
    "items": UUID,
    "maxItems": MAX_PANEL_IDS,
    "description": "Null reads as empty; repeated ids count once.",
}
CELL: Doc = {"type": "integer", "minimum": 0, "maximum": MAX_CELL}


def _with_series(name: str) -> Doc:
    return {"required": [name], "properties": {name: {"type": "array", "minItems": 1}}}


PANEL: Doc = {
    "type": "object",
    "required": ["type", "title", "layout"],
    # Every panel but an alerts panel shows at least one series.
    "if": {"properties": {"type": {"not": {"const": "alerts"}}}},
    "then": {"anyOf": [_with_series("binding_ids"), _with_series("field_ids")]},
    "properties": {
        "id": nullable(
            text(
                64,
                description="Kept on edit when it is a panel id of this dashboard; "
                "else a new id is given.",
            )
        ),
        "type": {"type": "string", "enum": list(PANEL_TYPES)},
        "title": line(),
        "binding_ids": IDS,
        "field_ids": IDS,
        "options": {
            "type": ["object", "null"],
            "description": "Free-form display options "
            "(at most 4096 bytes of JSON), kept as given.",
        },
        "layout": {
            "type": "object",
            "required": ["x", "y", "w", "h"],
            "properties": {
                "x": CELL,
                "y": CELL,
                "w": {**CELL, "minimum": 1},
                "h": {**CELL, "minimum": 1},
            },
        },
    },
}
DASHBOARD_PROPERTIES: Doc = {
    "name": line(),
    "description": nullable(free_text(2000, blank=True)),
    "panels": {"type": ["array", "null"], "items": PANEL, "maxItems": MAX_PANELS},
}
DASHBOARD: Doc = {
    "type": "object",
    "required": ["name"],
    "properties": DASHBOARD_PROPERTIES,
}
# PATCH: only the given top-level fields change.
DASHBOARD_PATCH: Doc = {"type": "object", "properties": DASHBOARD_PROPERTIES}
DASHBOARD_NOTE = (
    "A dashboard is `{id, name, description, panels, share, created_at, updated_at}`; "
    "each panel is `{id, type, title, binding_ids, field_ids, options, layout: {x, y, "
    "w, h}}` and gets its `id` from the server. `type`: "
    + ", ".join(PANEL_TYPES)
    + ". "
    "Every `binding_ids` entry must be a binding of the caller's org and every "
    "`field_ids` entry a Prism field of the org (else 400 naming it, e.g. "
    "`panels[0].binding_ids[1]`); a panel shows at least one of them, except an "
    "`alerts` panel, which needs none (it lists the alerts of the dashboard's devices "
    f"and fields). At most {MAX_PANELS} panels and {MAX_PANEL_IDS} ids per panel; "
    f"layout in grid cells: `x`, `y` 0-{MAX_CELL}, `w`, `h` 1-{MAX_CELL}. A bad field "
    "is a 400 naming it (`panels[2].type`, `panels[0].layout.w`). `share` is "
    "`{token, url}` while the dashboard is shared, else null: the token is kept (its "
    "SHA-256 is what the public link is looked up by) so the owner can copy the link "
    "again. A binding deleted later stays listed; the public query answers 404 for it."
)
EDIT_NOTE = (
    "PUT replaces the definition (absent `description` and `panels` become empty); "
    "PATCH changes only the given top-level fields (`panels`, when given, replaces "
    "every panel). A panel sent back with the `id` it was read with keeps that id. "
    "The share link is unchanged. " + DASHBOARD_NOTE
)
SHARE_NOTE = (
    '`{"token", "url"}` with `url` = `/api/v1/canvas/public/{token}/`. The token is '
    "256 random bits; sharing again replaces it (the old link answers 404 at once). "
    "DELETE revokes the link (204, also when not shared): the public page then "
    'answers a 404 HTML page "This dashboard is no longer shared", its query/ and '
    "alerts/ a 404 JSON error."
)
ALERTS_NOTE = (
    "The alert events (shape of `GET /api/v1/alerts/`, newest first) of the devices "
    "of the dashboard's bindings and of its Prism fields; filters `status` "
    "(active, acknowledged, resolved) and `severity` (critical, warning, info), "
    "paged by `limit`/`offset`."
)
PUBLIC_NOTE = (
    "No credential: the share token in the path is the key. Each public request "
    "spends one token of two limits, VIGIL_CANVAS_PUBLIC_RATE_PER_S with bursts of "
    "VIGIL_CANVAS_PUBLIC_BURST, one per client address and one per share link (429 "
    "with Retry-After). An unknown or revoked token is 404."
)
QUERY_NOTE = (
    "The explorer query (`/api/v1/explorer/query/`) as a JSON body, limited to the "
    'series on the shared dashboard: `{"binding_ids": [...], "field_ids"?: [...], '
    '"start"?, "end"?, "max_points"?}`. `start`/`end`: ISO-8601 or relative '
    "(`-1h`; defaults `-1h` and now), `max_points` 1-10000 (default 500). Prism field "
    "ids may be given in `field_ids` or, as the explorer takes them, in "
    "`binding_ids`; together at most VIGIL_EXPLORER_MAX_SERIES. Answer: the "
    "explorer's `{timestamps, series: [{binding_id, label, unit, values}], meta}` "
    "(a field's series carries its id as `binding_id`, its derived values as "
    "`values`). An id that is not on the dashboard: 404 naming it; a range longer "
    "than VIGIL_CANVAS_MAX_RANGE_DAYS days: 400 (`field: start`). " + PUBLIC_NOTE
)
PAGE_NOTE = (
    "An HTML page (`text/html; charset=utf-8`) to open or embed in an iframe. "
    "Headers: `Content-Security-Policy` with `default-src 'self'`, scripts, styles "
    "and fetches from this origin only, and `frame-ancestors` from "
    "VIGIL_CANVAS_FRAME_ANCESTORS (default `*`); `Referrer-Policy: no-referrer`; "
    "`Cache-Control: no-store`; no X-Frame-Options. The page holds the dashboard as "
    '`<script type="application/json" id="dashboard">` `{name, description, panels, '
    "updated_at, query_url, alerts_url}` (`alerts_url` null without an alerts "
    'panel), one `<section id="panel-{id}" data-panel-id data-panel-type data-x '
    'data-y data-w data-h>` per panel inside `<main id="canvas" data-query-url '
    "data-alerts-url>`, and loads `/static/canvas-public.js` (which draws the "
    "panels with uPlot through `query/` and `alerts/`). An unknown or revoked token "
    'is a 404 HTML page "This dashboard is no longer shared"; a rate limit a 429 '
    "HTML page with Retry-After. " + PUBLIC_NOTE
)


def _html_page() -> Doc:
    return {
        "summary": "A shared dashboard's public page (HTML).",
        "tags": [TAG],
        "security": [],
        "description": PAGE_NOTE,
        "parameters": [path("token")],
        "responses": {
            "200": {"description": "The page", "content": {"text/html": {}}},
            "404": {"description": "Not shared", "content": {"text/html": {}}},
            "429": {"description": "Rate limit", "content": {"text/html": {}}},
        },
    }


def _public(summary: str, description: str, body: Doc | None = None) -> Doc:
    return op(
        summary,
        TAG,
        body=body,
        params=[path("token")],
        errors=("400", "404", "429"),
        public=True,
        description=description,
    )


# Each id as given (untrimmed): one line, not blank.
SERIES: Doc = {
    "type": ["array", "null"],
    "maxItems": 50,
    "items": {
        "type": "string",
        "pattern": f"^[^{LINE_CONTROL}]*[^{SPACE}{LINE_CONTROL}][^{LINE_CONTROL}]*$",
    },
}
QUERY_BODY: Doc = {
    "type": "object",
    "description": "At least one id, in binding_ids or field_ids; at most "
    "VIGIL_EXPLORER_MAX_SERIES (default 50) distinct ones together.",
    "anyOf": [_with_series("binding_ids"), _with_series("field_ids")],
    "properties": {
        "binding_ids": SERIES,
        "field_ids": SERIES,
        "start": nullable(TIME),
        "end": nullable(TIME),
        "max_points": nullable(integer(1, 10_000)),
    },
}
ONE = [path("dashboard_id")]
ALERT_PARAMS = [
    q("status", "active, acknowledged or resolved.", choice(*ALERT_STATUSES)),
    q("severity", "critical, warning or info.", choice(*SEVERITIES)),
    *PAGE,
]
PUBLIC = "/api/v1/canvas/public/{token}"

CANVAS_PATHS: Doc = {
    "/api/v1/canvas/": {
        "get": op(
            'List dashboards: `{"dashboards": [...]}`.', TAG, description=DASHBOARD_NOTE
        ),
        "post": op(
            "Create a dashboard.",
            TAG,
            "201",
            "The dashboard",
            DASHBOARD,
            description=DASHBOARD_NOTE,
        ),
    },
    "/api/v1/canvas/{dashboard_id}/": {
        "get": op("One dashboard.", TAG, params=ONE, description=DASHBOARD_NOTE),
        "put": op(
            "Replace a dashboard's definition.",
            TAG,
            body=DASHBOARD,
            params=ONE,
            description=EDIT_NOTE,
        ),
        "patch": op(
            "Change the given top-level fields of a dashboard.",
            TAG,
            body=DASHBOARD_PATCH,
            params=ONE,
            description=EDIT_NOTE,
        ),
        "delete": op(
            "Delete a dashboard (and its share link).",
            TAG,
            "204",
            "Deleted",
            params=ONE,
        ),
    },
    "/api/v1/canvas/{dashboard_id}/share/": {
        "post": op(
            "Share a dashboard: a new public link.",
            TAG,
            "201",
            '`{"token", "url"}`',
            params=ONE,
            description=SHARE_NOTE,
        ),
        "delete": op(
            "Revoke the public link.",
            TAG,
            "204",
            "Revoked",
            params=ONE,
            description=SHARE_NOTE,
        ),
    },
    "/api/v1/canvas/{dashboard_id}/alerts/": {
        "get": op(
            'Alerts of the dashboard\'s series: `{"events": [...]}`.',
            TAG,
            params=ONE + ALERT_PARAMS,
            description=ALERTS_NOTE,
        ),
    },
    f"{PUBLIC}/": {"get": _html_page()},
    f"{PUBLIC}/query/": {
        "post": _public("Query a shared dashboard's series.", QUERY_NOTE, QUERY_BODY),
    },
    f"{PUBLIC}/alerts/": {
        "get": {
            **_public(
                'Alerts of a shared dashboard: `{"events": [...]}`.',
                "Only for a dashboard with an `alerts` panel (else 404). "
                + ALERTS_NOTE
                + " Without `rule_id`, `acknowledged_by`, `resolved_by`. "
                + PUBLIC_NOTE,
            ),
            "parameters": [path("token"), *ALERT_PARAMS],
        }
    },
}
