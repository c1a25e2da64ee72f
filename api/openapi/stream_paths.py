"""OpenAPI path items of alerts (rules, events, live stream) and Prism fields."""

from __future__ import annotations

from api.openapi.parts import (
    PAGE,
    PAGED_IN_ENVELOPE,
    QUANTITY_SLUG,
    TIME,
    TIME_PARAM,
    UUID,
    UUID_TEXT,
    WS,
    Doc,
    choice,
    edits,
    free_text,
    integer,
    line,
    nullable,
    number,
    obj,
    op,
    path,
    q,
    sse_event,
    text,
)
from api.resources.alerts import STATUSES
from domain.alert_rules import TARGET_FIELDS, TARGETS
from domain.alerting import KINDS, SEVERITIES


def _target_branch(kind: str) -> Doc:
    """The fields a target type needs (binding: also when target_type is absent)."""
    allowed: list[str | None] = [kind, None] if kind == "binding" else [kind]
    branch: Doc = {
        "properties": {"target_type": {"enum": allowed}},
        "required": list(TARGET_FIELDS[kind]),
    }
    if kind != "binding":
        branch["required"].append("target_type")
    return branch


_THRESHOLD = ("above", "below", "rate_of_change")
NUMBER: Doc = {"type": "number", "description": "Any finite JSON number."}
# A position on the alerts topic (Python's int() reads it); empty: none.
EVENT_ID: Doc = {
    "type": "string",
    "anyOf": [{"pattern": f"^{WS}*[-+]?[0-9]+{WS}*$"}, {"maxLength": 0}],
}
RULE_PROPERTIES: Doc = obj(
    [],
    name=line(),
    target_type=nullable(choice(*TARGETS)),
    binding_id=UUID_TEXT,
    device_id=UUID_TEXT,
    field_id=UUID_TEXT,
    site_id=UUID_TEXT,
    quantity_slug=QUANTITY_SLUG,
    condition=choice(*KINDS),
    threshold=nullable(NUMBER),
    low=nullable(NUMBER),
    high=nullable(NUMBER),
    hysteresis=nullable(number(0)),
    silence_s=nullable(number(0)),
    severity=nullable(choice(*SEVERITIES)),
    for_s=nullable(number(0)),
    enabled=nullable({"type": "boolean"}),
)["properties"]
RULE: Doc = {
    "type": "object",
    "required": ["name", "condition"],
    "properties": RULE_PROPERTIES,
    "allOf": [
        {"oneOf": [_target_branch(kind) for kind in TARGETS]},
        {
            "oneOf": [
                {
                    "properties": {
                        "condition": {"enum": list(_THRESHOLD)},
                        "threshold": NUMBER,
                    },
                    "required": ["threshold"],
                },
                {
                    "properties": {
                        "condition": {"const": "outside"},
                        "low": NUMBER,
                        "high": NUMBER,
                    },
                    "required": ["low", "high"],
                    "description": "low < high",
                },
                {
                    "properties": {
                        "condition": {"const": "no_data"},
                        "silence_s": {"type": "number", "exclusiveMinimum": 0},
                    },
                    "required": ["silence_s"],
                },
            ]
        },
    ],
}
# An edit is merged into the stored rule, and the result is checked as a new rule.
RULE_EDIT: Doc = {"type": "object", "properties": RULE_PROPERTIES}
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


def crud(
    collection: str,
    item: str,
    noun: str,
    tag: str,
    bodies: tuple[Doc, Doc],
    note: str,
) -> Doc:
    """List/create on ``collection`` and get/edit/delete on ``{item}`` of it
    (``bodies``: what a create and what an edit take)."""
    body, edit = bodies
    plural = "rules" if noun == "rule" else f"{noun}s"
    one = [path(item)]
    return {
        collection: {
            "get": op(
                f'List {noun}s: `{{"{plural}": [...]}}`.',
                tag,
                params=PAGE,
                description=PAGED_IN_ENVELOPE,
            ),
            "post": op(
                f"Create a {noun}.", tag, "201", f"The {noun}", body, description=note
            ),
        },
        f"{collection}{{{item}}}/": {
            "get": op(f"One {noun}.", tag, params=one),
            **edits(
                op(
                    f"Change a {noun} (given fields replace the stored ones; the "
                    "whole definition is checked again and applies to new data).",
                    tag,
                    body=edit,
                    params=one,
                    description=note,
                )
            ),
            "delete": op(f"Delete a {noun}.", tag, "204", "Deleted", params=one),
        },
    }


ALERT_PATHS: Doc = crud(
    "/api/v1/alerts/rules/", "rule_id", "rule", "alerts", (RULE, RULE_EDIT), RULE_NOTE
)

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
    "reconnect with Last-Event-ID replays what it missed). The credential is "
    "re-checked at each heartbeat: the stream ends when an API key is revoked, the "
    "user is removed, or the access token (or session cookie) expires; reconnect "
    "with a fresh one. Only the caller's org's "
    "alerts are sent. Limits per API process: VIGIL_SSE_MAX_STREAMS (10,000) open "
    "streams in all, else 503; VIGIL_SSE_MAX_STREAMS_PER_ORG (1,000) per org, else "
    "429; both with `Retry-After: 5`. Note: the reference's Python example passes a response to "
    "`sseclient.SSEClient`; with the `sseclient` package pass the URL and headers "
    "instead (`SSEClient(url, headers=...)`), with `sseclient-py` iterate "
    "`SSEClient(resp).events()`."
)
ALERT_EVENT = sse_event(
    obj(
        ["event_id", "status", "state", "severity", "at", "transition_id"],
        event_id="string",
        status=choice(*STATUSES),
        state=choice(*STATUSES),
        severity=choice(*SEVERITIES),
        at="string",
        transition_id="string",
    ),
    event={"const": "alert"},
    id={"type": "string", "pattern": "^[0-9]+$"},
)
EVENT_FILTERS = [
    q("status", "active, acknowledged or resolved.", choice(*STATUSES)),
    q("severity", "critical, warning or info.", choice(*SEVERITIES)),
    q("device_id", "Only alerts of this device (UUID).", UUID),
]


def _action(summary: str) -> Doc:
    """Acknowledge or resolve: 200 with the alert moved on, 202 while pending."""
    operation = op(
        summary,
        "alerts",
        ok_text="The alert with its new status.",
        params=[path("event_id")],
        errors=("401", "403", "404", "409", "429"),
        description=ACTION_NOTE,
    )
    operation["responses"]["202"] = {
        "description": "The evaluator has not answered within 5 s: the alert as "
        "it was, with `pending` naming the status asked for.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
    return operation


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
                params=[
                    *EVENT_FILTERS[1:],
                    q("last_event_id", "Same as the Last-Event-ID header.", EVENT_ID),
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "description": "The `id` of the last event received.",
                        "schema": EVENT_ID,
                    },
                ],
                description=STREAM_NOTE,
                ok_text="A stream of Server-Sent Events (never ends by itself).",
                ok_schema=ALERT_EVENT,
                ok_media="text/event-stream",
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
        **{
            f"/api/v1/alerts/{{event_id}}/{action}/": {"post": _action(summary)}
            for action, summary in (
                ("acknowledge", "Acknowledge an active alert."),
                ("resolve", "Resolve an alert by hand."),
            )
        },
    }
)

STREAM_PATHS: Doc = {**ALERT_PATHS}

FIELD_PROPERTIES: Doc = obj(
    [],
    name=line(),
    description=nullable(free_text(2000, blank=True)),
    expression=free_text(1000),
    inputs={
        "type": "object",
        "minProperties": 1,
        "maxProperties": 16,
        "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "additionalProperties": {"type": "string"},
        "description": "Variable name (an identifier) -> binding id of the org.",
    },
    unit=nullable(text(100)),
    align_s=nullable(number(0.001, 86_400)),
)["properties"]
FIELD: Doc = {
    "type": "object",
    "required": ["name", "expression", "inputs"],
    "properties": FIELD_PROPERTIES,
}
# An edit is merged into the stored field and checked whole again.
FIELD_EDIT: Doc = {"type": "object", "properties": FIELD_PROPERTIES}
# No body at all reads as `{}`; a body given must be an object (`null` too is a 400).
BACKFILL: Doc = obj([], start=nullable(TIME), end=nullable(TIME))
FIELD_NOTE = (
    "A field is an expression over named inputs, each a binding of the caller's org "
    '(possibly on different devices): `{"name": "Pump power", "expression": '
    '"voltage * current", "inputs": {"voltage": "<binding id>", "current": '
    '"<binding id>"}}`. Arithmetic `+ - * / ** %`, numbers, `pi`, `e`; functions '
    "abs, min, max, sqrt, log, log10, exp, sin, cos, tan, floor, ceil, round, pow, "
    'clamp(x, lo, hi); unit conversion `to(x, "kW")`; windowed operators over one '
    'input and a duration (`"30s"`, `"5m"`, `"1h"`, `"1d"`, at most 7 days): '
    "`mavg` (moving average), `rate` (change per second), `integral` (trapezoids, "
    'unit x seconds, e.g. `to(integral(power, "1h"), "kWh")`), `wmin`, `wmax`. '
    "Checked at create and edit: an unknown variable, unknown function, unsupported "
    "syntax or unit mismatch (e.g. volts + amperes) is a 400 naming it "
    "(`field: expression`). Each input is in its quantity's unit; a bare number takes "
    "the unit of what it is combined with. `unit` (optional) declares the output "
    "unit (converted to, must be compatible); the stored `unit` is the result's. "
    "Alignment: one input is evaluated at each of its points; several inputs per "
    "bucket of `align_s` seconds (default 1; the point carries the bucket start) once "
    "every input has a value in it (each input's latest by then); the bucket then "
    "starts over, and if every input reports in it again the derived point is "
    "rewritten. Inputs may lag each other by up to 10 minutes. Derived points go to "
    "`vigil.derived.v1` and "
    "into the measurements table: a field id works in the explorer's `binding_ids` "
    "and as an alert-rule target (`target_type: field`). Undefined results (division "
    "by zero, sqrt of a negative, a window with too few points) emit nothing."
)
BACKFILL_NOTE = (
    'Recompute the field over stored raw input history, `{"start", "end"}` '
    "(ISO-8601 or relative like `-7d`; default the last 24 h, at most 366 days). "
    "The body may be left out; when given it must be a JSON object (`null`: 400). "
    "Runs in the background: 202 with the job; GET shows `status` (running, done, "
    "failed), `progress` (0-1), `points_read`, `points_written`, `error`, "
    "`started_at`, `finished_at`. Windows start empty at `start`. 409 while one "
    "runs for the field. Jobs are kept in the API process's memory."
)
STREAM_PATHS.update(
    {
        **crud(
            "/api/v1/prism/fields/",
            "field_id",
            "field",
            "prism",
            (FIELD, FIELD_EDIT),
            FIELD_NOTE,
        ),
        "/api/v1/prism/fields/{field_id}/backfill/": {
            "get": op(
                "Progress of the field's last backfill.",
                "prism",
                params=[path("field_id")],
                description=BACKFILL_NOTE,
            ),
            "post": op(
                "Start a backfill.",
                "prism",
                "202",
                "Started",
                body=BACKFILL,
                body_required=False,
                params=[path("field_id")],
                errors=("400", "401", "403", "404", "409", "429"),
                description=BACKFILL_NOTE,
            ),
        },
        "/api/v1/prism/{field_id}/data/": {
            "get": op(
                "The field's derived series.",
                "prism",
                params=[
                    path("field_id"),
                    q("start", "ISO-8601 or relative (default: 24 h ago).", TIME_PARAM),
                    q("end", "ISO-8601 or relative (default: now).", TIME_PARAM),
                    q(
                        "max_points",
                        "Most points (default 500, at most 10000).",
                        integer(1, 10_000),
                    ),
                ],
                description=(
                    "`{field_id, name, expression, unit, points: [{time, value}], "
                    "timestamps, values, meta}`: the explorer's answer for this one "
                    "series (raw up to 6 h, else 1 min / 1 h rollups, bucket "
                    "averages); `points` lists the non-null buckets."
                ),
            )
        },
    }
)
