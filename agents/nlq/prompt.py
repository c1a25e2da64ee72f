"""The NLQ system prompt: what the model may query and how (pure text).

The first line is the marker by which the offline model knows an NLQ request; the
last line carries the org's context as JSON (``CONTEXT: {...}``), so the user
message is the caller's question alone and can never pose as context.
"""

from __future__ import annotations

import json

from agents.nlq.context import Context

MARKER = "VIGIL NLQ PLANNER v1"
TOOL_NAME = "run_sql"

VIEWS_DOC = """\
Views (ClickHouse SQL; every view holds only the caller's organisation):
- measurements(ts DateTime64 UTC, value Float64, device, device_id, site, site_id,
  quantity, quantity_slug, unit, binding_id): every numeric reading.
- rollup_1m / rollup_1h(bucket DateTime UTC, avg, min, max, count, sum, device,
  device_id, site, site_id, quantity, quantity_slug, unit, binding_id): one row per
  series and minute / hour; average several buckets with sum(sum) / sum(count).
- latest(device, device_id, site, site_id, quantity, quantity_slug, unit, value,
  ts, binding_id): the newest numeric reading of every series.
- alerts(event_id, rule_name, severity, status, device, device_id, site, quantity,
  value, triggered_at, resolved_at): one row per alert; severity critical, warning
  or info; status active, acknowledged or resolved; resolved_at NULL until resolved.
Rules: one SELECT (WITH and UNION allowed) over these views only; no table
functions, other tables, SETTINGS or FORMAT; aggregate, date and math functions
only; at most {max_rows} rows come back. Do not alias an aggregate with a column's
name (write avg(value) AS average, not AS value). Group by unit: a quantity may be
recorded in several units. A result whose first column is a time is drawn as a
line chart; one row as a single value; several rows as bars."""

GUIDE = """\
{marker}
You answer questions about the caller's sensor data by querying it. Call the
tool {tool} with one query; then answer in one or two plain English sentences that
state the numbers with their units and the time range they cover (UTC). Use the
device, site and quantity names listed in the context; compute times from its
"now". If the question cannot be answered from these views, say what you understood
and what you could not, and do not guess."""


def system_prompt(ctx: Context, max_rows: int) -> str:
    """The NLQ system prompt for one org."""
    context = json.dumps(ctx.as_json(), ensure_ascii=False, sort_keys=True)
    return "\n\n".join(
        [
            GUIDE.format(marker=MARKER, tool=TOOL_NAME),
            VIEWS_DOC.format(max_rows=max_rows),
            f"CONTEXT: {context}",
        ]
    )


def question_message(question: str) -> str:
    """The user message: the question on one line (no line of it can pose as a
    context line or a script)."""
    return " ".join(question.split())


TOOL_PARAMETERS = {
    "type": "object",
    "properties": {
        "sql": {
            "type": "string",
            "description": "One ClickHouse SELECT over the documented views.",
            "maxLength": 10_000,
        }
    },
    "required": ["sql"],
    "additionalProperties": False,
}
TOOL_DESCRIPTION = (
    "Run one read-only ClickHouse SELECT over the views measurements, rollup_1m, "
    "rollup_1h, latest and alerts; returns columns and rows as JSON."
)
