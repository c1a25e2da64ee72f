"""OpenAPI path items of the AI endpoints: natural-language queries."""

from __future__ import annotations

from api.openapi.parts import Doc, free_text, obj, op

QUESTION = obj(
    ["question"],
    question=free_text(
        1000,
        description="A question about your sensor data, in English.",
        example="What was the average temperature of Pump 1 in the last hour?",
    ),
)

SERIES: Doc = {
    "type": "object",
    "required": ["label", "unit", "values"],
    "properties": {
        "label": {"type": "string", "description": "e.g. `Pump 1 / Temperature`"},
        "unit": {"type": "string", "description": "Unit symbol, `` when none."},
        "values": {
            "type": "array",
            "items": {"type": ["number", "null"]},
            "description": "One value per timestamp (line; `null` where the "
            "series has no point), or the row's numbers (bar, stat).",
        },
    },
}
CHART: Doc = {
    "type": ["object", "null"],
    "required": ["type", "series"],
    "properties": {
        "type": {"type": "string", "enum": ["line", "bar", "stat"]},
        "timestamps": {
            "type": "array",
            "items": {"type": "string", "format": "date-time"},
            "description": "Line charts only: the shared time axis (UTC, `Z`).",
        },
        "series": {"type": "array", "items": SERIES},
    },
}
ANSWER: Doc = {
    "type": "object",
    "required": ["answer", "sql", "chart_data"],
    "properties": {
        "answer": {"type": "string", "description": "Plain English, with units."},
        "sql": {
            "type": ["string", "null"],
            "description": "The checked, regenerated query that ran (over the "
            "views below), or `null` when none ran.",
        },
        "chart_data": CHART,
    },
}

NLQ_NOTE = """\
The question goes to the model named by VIGIL_NLQ_MODEL (default `vigil/offline`; a \
model whose provider has no credentials runs on VIGIL_LLM_FALLBACK) through Vigil's \
one tool loop, bounded by VIGIL_NLQ_MAX_STEPS model calls, VIGIL_AGENT_MAX_TOKENS \
tokens and VIGIL_NLQ_TIMEOUT_S seconds. The model has one tool, `run_sql`, and \
writes ClickHouse SQL over these views, which hold only the caller's organisation:

- `measurements(ts, value, device, device_id, site, site_id, quantity, quantity_slug, \
unit, binding_id)`: every numeric reading (text and object values are not in it);
- `rollup_1m`, `rollup_1h(bucket, avg, min, max, count, sum, device, device_id, site, \
site_id, quantity, quantity_slug, unit, binding_id)`: per series and minute / hour;
- `latest(device, device_id, site, site_id, quantity, quantity_slug, unit, value, ts, \
binding_id)`: the newest numeric reading of each series;
- `alerts(event_id, rule_name, severity, status, device, device_id, site, quantity, \
value, triggered_at, resolved_at)`: one row per alert.

Devices, sites and quantities are the live bindings of the read model (a deleted \
binding's history is not queried); the org id is a query parameter, never text the \
model wrote. Before anything runs, the SQL is parsed with sqlglot (ClickHouse \
dialect) and refused unless it is one SELECT (WITH and UNION allowed) reading only \
those views, calling only whitelisted aggregate, date and math functions, with no \
table function, database-qualified name, `system.*` table, SETTINGS, FORMAT, INTO \
OUTFILE, query parameter, `x IN table` or second statement. The top-level LIMIT is \
lowered to VIGIL_NLQ_MAX_ROWS (added when missing). The SQL sqlglot regenerates from \
the checked tree is what runs, read-only (`readonly=1`), with `max_execution_time` \
(VIGIL_NLQ_MAX_EXECUTION_S), `max_rows_to_read` (VIGIL_NLQ_MAX_ROWS_TO_READ), \
`max_result_rows` and `max_memory_usage` (VIGIL_NLQ_MAX_MEMORY_BYTES); `sql` returns \
it without the views' internal definitions. A refused or failing query is reported \
to the model, which may try again within its limits.

The offline model plans questions of a documented grammar: quantities by name or \
unit word (temperature, humidity, CO2, vibration, pressure, power, °C, ppm, kW…), \
the org's device and site names, one time phrase (last hour, last 24 hours, last N \
minutes/hours/days, past week, today, yesterday, this week, last week, this month, \
last month, since Monday, since 2026-04-01, on 2026-04-10, between two dates; \
calendar phrases in UTC; none: the last 24 hours), what is asked (average/mean, \
peak/max/highest, min/lowest, total/sum, how many readings, trend/over \
time/hourly/daily, current/latest, how many alerts with severity and status words) \
and comparisons (compare A and B, A vs B, per device, per site, which device). \
Every other word must be a filler word; otherwise the answer says what it \
understood and what it could not, and `sql` and `chart_data` are `null` (200). A \
quantity recorded in several units is answered per unit, never averaged across.

`chart_data`, built from the rows by their shape: a result whose first column is a \
time is a `line` (`timestamps` plus a series per label and numeric column); one row \
is a `stat` (a series per numeric column); several rows are `bar`s (a series per \
row). A `unit` column gives each series its unit. No rows or no numbers: `null`. \
Each call's tokens and cost are logged (not yet counted in usage). A read-only API \
key may ask."""

AI_PATHS: Doc = {
    "/api/v1/ai/nlq/": {
        "post": op(
            "Ask a question about your sensor data in plain English.",
            "ai",
            "200",
            '`{"answer", "sql", "chart_data"}`',
            body=QUESTION,
            errors=("400", "401", "403", "413", "429"),
            description=NLQ_NOTE,
        )
    }
}
AI_PATHS["/api/v1/ai/nlq/"]["post"]["responses"]["200"]["content"]["application/json"][
    "schema"
] = ANSWER
