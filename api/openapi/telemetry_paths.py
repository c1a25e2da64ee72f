"""OpenAPI path items of telemetry (gateway ingest, the explorer, latest values)
and the read-only schema registry."""

from __future__ import annotations

from api.openapi.document import error_response
from api.openapi.parts import (
    ISO_TIME,
    SPACE,
    TIME_PARAM,
    Doc,
    filter_choice,
    integer,
    line,
    obj,
    op,
    path,
    q,
)
from api.validation import MAX_DEPTH

MEASUREMENT = {
    "type": "object",
    "required": ["binding_id", "value"],
    "properties": {
        "binding_id": {"type": "string"},
        "value": {
            "oneOf": [
                {"type": "number"},
                {"type": "string", "maxLength": 4096},
                {"type": "object"},
            ],
            "description": "A number, a string (at most 4096 characters) or an "
            "object (at most 16 KiB as JSON).",
        },
        "timestamp": {"type": ["string", "null"], "pattern": f"^{ISO_TIME}$"},
        "quality": {"type": ["integer", "null"], "minimum": 0, "maximum": 255},
    },
}
INGEST_NOTE = (
    "Authenticated with a gateway token (`Bearer gw_...`); user JWTs and API keys get "
    "403. A token scoped to a hardware_id may ingest only for that device (403). The "
    "device is looked up by hardware_id in the token's org (404 if unknown). Each "
    "binding_id must be an active binding of that device. `value`: number (stored as "
    "Float64), string (max 4096 chars) or object (JSON, max 16 KiB, the body nested "
    f"at most {MAX_DEPTH} levels deep in all), kept losslessly. "
    "`timestamp`: ISO-8601; a time without zone is taken as UTC; default the server's "
    "receive time; more than 10 minutes ahead or before 2000 is refused. `quality` "
    "0-255, default 0.\n\n"
    "**Modes** (`?mode=`): `partial` (default) stores the valid measurements and "
    "reports each invalid one in `errors` by index, field and reason (202; 400 if none "
    "is valid); `atomic` stores nothing if any is invalid (400 with `errors`).\n\n"
    "The batch becomes one Avro MeasurementBatch event on `vigil.measurements.v1`, "
    "keyed by device; 202 is answered only after Kafka acknowledged it (idempotent "
    "producer, acks=all). If Kafka does not acknowledge within "
    "VIGIL_PRODUCE_TIMEOUT_MS: 503 with Retry-After, and nothing is claimed stored.\n\n"
    "**Idempotency-Key** header: a retry with the same key (per gateway token, kept 24 h "
    "by the API process that answered) returns the first answer with "
    "`Idempotent-Replayed: true` and stores nothing again. Independently, the same "
    "(binding, timestamp) written twice keeps the last value in raw queries.\n\n"
    "Limits: VIGIL_INGEST_MAX_MEASUREMENTS per request and VIGIL_MAX_BODY_BYTES (413); "
    "VIGIL_INGEST_RATE_LIMIT_PER_S requests per second per token (429, Retry-After)."
)
EXPLORER_NOTE = (
    "Columnar time-bucket averages of numeric values. `start`/`end`: ISO-8601 (no zone: "
    "UTC), `now`, or relative to now: `-30s`, `-15m`, `-1h`, `-7d`, `-2w`; `start` "
    "defaults to `-1h`, `end` to now; both must fall between 1900-01-01 and 2299-12-31 "
    "UTC (what storage holds; else 400). `max_points` 1-10000 (default 500) bounds the "
    "number of buckets: bucket width = ceil(range / max_points). `timestamps` is one "
    "shared axis of bucket start times, holding the buckets where at least one series "
    "has data; each series has `null` where it has no point in a bucket. Ranges up to "
    "6 h read raw rows (bucket origin = start; the last write per binding and timestamp "
    "wins); longer ranges read the 1-minute or 1-hour rollup (the coarsest no wider "
    "than a bucket), with buckets aligned to that granularity. Strings and objects are "
    "not averaged. Averages cannot overflow: values near the Float64 limit are "
    "averaged scaled down; a rollup bucket whose stored sum overflowed shows its max "
    "(or min, or their midpoint), and a bucket still not finite shows `null` (JSON has "
    "no Infinity). Up to VIGIL_EXPLORER_MAX_SERIES ids. Unknown or other orgs' ids: "
    "404 naming them. `meta` tells the actual start, end, bucket width and source."
)

SERIES_IDS: Doc = {
    "name": "binding_ids",
    "in": "query",
    "required": True,
    "style": "form",
    "explode": False,
    "description": "Comma-separated binding (or Prism field) ids, at most "
    "VIGIL_EXPLORER_MAX_SERIES (default 50) distinct ones.",
    "schema": {
        "type": "array",
        "minItems": 1,
        "maxItems": 50,
        "items": {"type": "string", "pattern": f"^[^,]*[^,{SPACE}][^,]*$"},
    },
}

TELEMETRY_PATHS: Doc = {
    "/api/v1/ingest/": {
        "post": op(
            "Push a batch of measurements from a gateway.",
            "ingest",
            "202",
            "`{batch_id, device_id, accepted, rejected, errors: [{index, field, error}]}`",
            obj(
                ["hardware_id", "measurements"],
                hardware_id=line(128),
                measurements={"type": "array", "minItems": 1, "items": MEASUREMENT},
            ),
            params=[
                q(
                    "mode",
                    "partial (default) or atomic; empty: partial.",
                    filter_choice("partial", "atomic"),
                ),
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
            errors=("400", "401", "403", "404", "413", "429"),
            description=INGEST_NOTE,
        )
    },
    "/api/v1/explorer/query/": {
        "get": op(
            "Query time series.",
            "explorer",
            ok_text="`{timestamps: [...], series: [{binding_id, label, values, unit}], meta}`",
            params=[
                SERIES_IDS,
                q("start", "Start (default -1h).", TIME_PARAM),
                q("end", "End (default now).", TIME_PARAM),
                q(
                    "max_points",
                    "Most buckets per series, 1-10000 (default 500).",
                    integer(1, 10_000),
                ),
            ],
            description=EXPLORER_NOTE,
        )
    },
    "/api/v1/devices/{device_id}/latest/": {
        "get": op(
            "Each binding's newest value.",
            "devices",
            ok_text="`{device_id, readings: [{binding_id, channel, quantity, "
            "quantity_slug, unit, value, time}]}`",
            params=[path("device_id")],
            description="From the latest-value table; `value` is a number, string or "
            "object as ingested. Devices are online when seen within "
            "VIGIL_ONLINE_WINDOW_S.",
        )
    },
}

SR = "/api/v1/schema-registry"
SR_MEDIA = "application/vnd.schemaregistry.v1+json"
SR_NOTE = (
    "Read-only Confluent Schema Registry API (no credential needed: schemas are the "
    "public contract). Point a stock client at `http://HOST:PORT/api/v1/schema-registry`"
    ". Subjects follow TopicNameStrategy (`<topic>-value`, with VIGIL_TOPIC_PREFIX); "
    "message keys are plain UTF-8 strings (entity or device ids). Answers and their "
    f"404s are `{SR_MEDIA}`; a 404 carries Confluent's `error_code` and `message` as "
    "well as `error`."
)
SR_MISSING: Doc = {
    "description": "No such schema, subject or version (Confluent's 40403, 40401 "
    "or 40402).",
    "content": {
        SR_MEDIA: {
            "schema": obj(
                ["error_code", "message", "error"],
                error_code="integer",
                message="string",
                error="string",
            )
        }
    },
}
JSON_404: Doc = error_response("")["content"]
STRINGS: Doc = {"type": "array", "items": {"type": "string"}}


def _sr(summary: str, answer: Doc, params: list[Doc] | None = None) -> Doc:
    operation = op(
        summary,
        "schema-registry",
        params=params,
        errors=("429",),
        public=True,
        description=SR_NOTE,
        ok_schema=answer,
        ok_media=SR_MEDIA,
    )
    if params:
        # A parameter holding an encoded "/" reaches no route: the API's own 404.
        missing = {**SR_MISSING, "content": {**SR_MISSING["content"], **JSON_404}}
        operation["responses"]["404"] = missing
    return operation


SCHEMA_REGISTRY_PATHS: Doc = {
    f"{SR}/schemas/ids/{{schema_id}}": {
        "get": _sr(
            "A schema by id: `{schema}`.",
            obj(["schema"], schema="string"),
            [path("schema_id")],
        )
    },
    f"{SR}/schemas/types": {"get": _sr('Schema types: `["AVRO"]`.', STRINGS)},
    f"{SR}/subjects": {"get": _sr("Every subject.", STRINGS)},
    f"{SR}/subjects/{{subject}}/versions": {
        "get": _sr(
            "A subject's versions.",
            {"type": "array", "items": {"type": "integer"}},
            [path("subject")],
        )
    },
    f"{SR}/subjects/{{subject}}/versions/{{version}}": {
        "get": _sr(
            "One version (number, or `latest` / `-1`): `{subject, version, id, "
            "schema}`.",
            obj(
                ["subject", "version", "id", "schema"],
                subject="string",
                version="integer",
                id="integer",
                schema="string",
            ),
            [path("subject"), path("version")],
        )
    },
    f"{SR}/config": {
        "get": _sr(
            "Compatibility: `{compatibilityLevel: BACKWARD}`.",
            obj(["compatibilityLevel"], compatibilityLevel="string"),
        )
    },
}
