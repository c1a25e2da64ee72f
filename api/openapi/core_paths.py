"""OpenAPI path items of the identity and registry endpoints, with the choices the
references leave open written down."""

from __future__ import annotations

from typing import Any

from api.openapi.document import error_response
from api.validation import EMAIL_PATTERN, MAX_DEPTH, NO_CONTROLS

Doc = dict[str, Any]
OBJ: Doc = {"type": "object"}


def _json(schema: Doc, text: str) -> Doc:
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def op(
    summary: str,
    tag: str,
    ok: str = "200",
    ok_text: str = "OK",
    body: Doc | None = None,
    params: list[Doc] | None = None,
    errors: tuple[str, ...] = ("400", "401", "403", "404", "429"),
    public: bool = False,
    description: str = "",
) -> Doc:
    """One operation with the common error responses."""
    responses: Doc = {
        ok: _json(OBJ, ok_text) if ok != "204" else {"description": ok_text}
    }
    texts = {
        "400": "Invalid field; `error` names it and `field` holds its name.",
        "401": "Missing, invalid or expired credential.",
        "403": "Valid credential without the right (read-only key writing, gateway "
        "token outside ingest, cross-origin cookie write, an API key managing API "
        "keys).",
        "404": "Not found, or owned by another org (indistinguishable).",
        "409": "Conflict with existing state (unique key taken).",
        "413": "Body larger than the limit.",
        "429": "Rate limit hit; Retry-After says when to retry.",
    }
    for code in errors:
        responses[code] = error_response(texts[code])
    result: Doc = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        result["description"] = description
    if body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if params:
        result["parameters"] = params
    if public:
        result["security"] = []
    return result


def edits(operation: Doc) -> Doc:
    """PUT and PATCH behave alike here: one operation for both."""
    return {"patch": operation, "put": operation}


def q(name: str, text: str, kind: str = "string") -> Doc:
    """A query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": text,
        "schema": {"type": kind},
    }


def path(name: str) -> Doc:
    """A path parameter."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def obj(required: list[str], **props: str) -> Doc:
    """A JSON object schema from name=type pairs."""
    return {
        "type": "object",
        "required": required,
        "properties": {k: {"type": v} for k, v in props.items()},
    }


def line(max_length: int = 200) -> Doc:
    """A one-line string (a name, id or slug): no control characters, no breaks."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": NO_CONTROLS,
    }


def with_props(schema: Doc, **props: Doc) -> Doc:
    """``schema`` with some properties described more closely."""
    return {**schema, "properties": {**schema["properties"], **props}}


EMAIL: Doc = {
    "type": "string",
    "format": "email",
    "maxLength": 254,
    "pattern": EMAIL_PATTERN,
}
PAGE = [
    q("limit", "Page size, 1-1000 (default 100).", "integer"),
    q("offset", "Items to skip (default 0).", "integer"),
]
PAGED = (
    'Lists are `{"count", "results"}`; `count` is the total before paging. '
    "Pagination is limit/offset (`limit` 1-1000, default 100), oldest first."
)
PAGED_IN_ENVELOPE = (
    "Paged by limit/offset (`limit` 1-1000, default 100; another value is a 400 "
    "naming it) inside the reference's envelope, which has no count: oldest first; "
    "a page shorter than `limit` is the last."
)
USER_ONLY_NOTE = (
    "Needs a signed-in user (an access token or the session cookie): an API key, "
    "even with `write`, gets 403, so a leaked key cannot mint or revoke keys."
)
CREDS = obj(["email", "password"], email="string", password="string")  # noqa: S106
REFRESH_NOTE = (
    "Refresh tokens rotate: each is good once; presenting a used one "
    "revokes its whole family (every token of that login) and answers 401."
)
LOGIN_NOTE = (
    "Passwords are argon2id. Login also sets the `vigil_session` cookie "
    "(HttpOnly, SameSite=Lax, Secure over https) that works like the Bearer "
    "token; cookie-authenticated POST/PUT/PATCH/DELETE need an Origin header "
    "matching the Host (CSRF defence). Rate-limited per client address."
)
DELETE_NOTE = (
    "Platform-API deletes answer 204 with no body; watchers-API deletes "
    'answer 200 `{"success": true}`.'
)

AUTH_PATHS: Doc = {
    "/api/auth/register": {
        "post": op(
            "Create an account (org) with the caller as owner.",
            "auth",
            "201",
            '`{"user": {user_id, email, name}, "tokens": {access_token, refresh_token, '
            "expires_in: 900}}`",
            {
                **CREDS,
                "properties": {
                    **CREDS["properties"],
                    "email": EMAIL,
                    "name": line(),
                },
            },
            errors=("400", "409", "429"),
            public=True,
            description="email: letters, digits and .!#$%&'*+/=?^_`{|}~- before the "
            "@ (at most 64), a domain of dot-separated labels after it, max 254; "
            "password: min 8, no control characters but tabs and line breaks. "
            + LOGIN_NOTE,
        )
    },
    "/api/auth/login": {
        "post": op(
            "Sign in.",
            "auth",
            ok_text='`{"user", "tokens"}`',
            body=CREDS,
            errors=("400", "401", "429"),
            public=True,
            description=LOGIN_NOTE,
        )
    },
    "/api/auth/refresh": {
        "post": op(
            "Exchange a refresh token (`refresh_token` or `refreshToken`).",
            "auth",
            ok_text='`{"tokens": {...}}`',
            body=OBJ,
            errors=("400", "401", "429"),
            public=True,
            description=REFRESH_NOTE,
        )
    },
    "/api/auth/me": {
        "get": op(
            "The current user.",
            "auth",
            ok_text='`{"user": {user_id, account_id, email, name, role}}`',
        )
    },
    "/api/v1/auth/login/": {
        "post": op(
            "Sign in (platform API).",
            "auth",
            ok_text='`{"access", "refresh"}`',
            body=CREDS,
            errors=("400", "401", "429"),
            public=True,
            description=LOGIN_NOTE,
        )
    },
    "/api/v1/auth/token/refresh/": {
        "post": op(
            "Rotate a refresh token (`refresh`).",
            "auth",
            ok_text='`{"access", "refresh"}`',
            body=obj(["refresh"], refresh="string"),
            errors=("400", "401", "429"),
            public=True,
            description=REFRESH_NOTE,
        )
    },
}

KEY_PATHS: Doc = {
    "/api/keys": {
        "get": op(
            "List API keys (never the key itself).",
            "keys",
            ok_text='`{"keys": [{id, name, key_prefix, permissions, usage_count, '
            "last_used_at, created_at}]}`",
            params=PAGE,
            description="usage_count is written back every few seconds; this "
            "process's uses not yet written are included. API keys may list (no "
            "secret is shown). " + PAGED_IN_ENVELOPE,
        ),
        "post": op(
            "Create an API key; `full_key` is returned only here.",
            "keys",
            "201",
            '`{"key": {..., "full_key": "vk_..."}}`',
            with_props(obj(["name"], permissions="array"), name=line()),
            description="permissions: `read` (default) and/or `write`; a key "
            "without `write` gets 403 on every POST/PUT/PATCH/DELETE. Only the "
            "SHA-256 of the key is stored. " + USER_ONLY_NOTE,
        ),
    },
    "/api/keys/{key_id}": {
        "delete": op(
            "Revoke an API key.",
            "keys",
            ok_text='`{"success": true}`',
            params=[path("key_id")],
            description=DELETE_NOTE + " " + USER_ONLY_NOTE,
        )
    },
    "/api/v1/ingest/tokens/": {
        "get": op("List gateway tokens.", "ingest", params=PAGE, description=PAGED),
        "post": op(
            "Create a gateway token; `raw_token` is returned only here.",
            "ingest",
            "201",
            "`{id, name, hardware_id, token_prefix, raw_token, created_at}`",
            with_props(obj(["name"]), name=line(), hardware_id=line(128)),
            description="A `gw_` token is accepted only by ingest endpoints "
            "(403 elsewhere); with `hardware_id` it may ingest only for that "
            "device. Only its SHA-256 is stored. A user JWT or an org API key "
            "with `write` may create one (as the reference says).",
        ),
    },
    "/api/v1/ingest/tokens/{token_id}/": {
        "get": op("One gateway token.", "ingest", params=[path("token_id")]),
        "delete": op(
            "Revoke a gateway token.",
            "ingest",
            "204",
            "Revoked",
            params=[path("token_id")],
            description=DELETE_NOTE,
        ),
    },
}

SITE = with_props(
    obj(
        ["name"],
        description="string",
        timezone="string",
        latitude="number",
        longitude="number",
    ),
    name=line(),
)
DEVICE = with_props(
    obj(["hardware_id", "display_name"], node_type="string", site_id="string"),
    hardware_id=line(128),
    display_name=line(),
)
EDIT_NOTE = "PUT and PATCH both change only the fields given."

REGISTRY_PATHS: Doc = {
    "/api/v1/sites/": {
        "get": op(
            "List sites.",
            "sites",
            params=[*PAGE, q("search", "Name contains.")],
            description=PAGED,
        ),
        "post": op("Create a site.", "sites", "201", "The site", SITE),
    },
    "/api/v1/sites/{site_id}/": {
        "get": op("One site.", "sites", params=[path("site_id")]),
        **edits(
            op(
                "Change a site.",
                "sites",
                body=SITE,
                params=[path("site_id")],
                description=EDIT_NOTE,
            )
        ),
        "delete": op(
            "Delete a site; its devices become unassigned.",
            "sites",
            "204",
            "Deleted",
            params=[path("site_id")],
            description=DELETE_NOTE,
        ),
    },
    "/api/v1/devices/": {
        "get": op(
            "List devices.",
            "devices",
            params=[
                *PAGE,
                q("site_id", "Site UUID."),
                q("search", "Display name or hardware_id contains (case-insensitive)."),
                q("online", "true or false.", "boolean"),
                q("node_type", "sensor_node, gateway or actuator."),
            ],
            description=PAGED,
        ),
        "post": op(
            "Register a device.",
            "devices",
            "201",
            "The device with bindings",
            DEVICE,
            errors=("400", "401", "403", "409", "429"),
            description="hardware_id is unique per org (409). node_type: "
            "sensor_node (default), gateway, actuator.",
        ),
    },
    "/api/v1/devices/{device_id}/": {
        "get": op(
            "One device with site and bindings.", "devices", params=[path("device_id")]
        ),
        **edits(
            op(
                "Change a device.",
                "devices",
                body=DEVICE,
                params=[path("device_id")],
                errors=("400", "401", "403", "404", "409", "429"),
                description=EDIT_NOTE,
            )
        ),
        "delete": op(
            "Delete a device and its bindings.",
            "devices",
            "204",
            "Deleted",
            params=[path("device_id")],
            description=DELETE_NOTE,
        ),
    },
    "/api/v1/devices/{device_id}/bindings/": {
        "get": op(
            "The device's bindings, by channel.",
            "bindings",
            ok_text="A JSON array (as in the reference), not an envelope.",
            params=[path("device_id")],
        ),
        "post": op(
            "Bind a channel to a quantity.",
            "bindings",
            "201",
            "The binding",
            obj(
                ["channel", "quantity_slug"],
                channel="integer",
                quantity_slug="string",
                role="string",
                sample_rate_tier="string",
            ),
            params=[path("device_id")],
            errors=("400", "401", "403", "404", "409", "429"),
            description="channel >= 0, unique per device (409); quantity_slug "
            "must exist; role sensor|actuator; sample_rate_tier low|medium|high.",
        ),
    },
    "/api/v1/devices/{device_id}/bindings/{binding_id}/": {
        "get": op(
            "One binding.", "bindings", params=[path("device_id"), path("binding_id")]
        ),
        "patch": op(
            "Deactivate (`is_active: false`) or change role / tier.",
            "bindings",
            body=obj([], is_active="boolean", role="string", sample_rate_tier="string"),
            params=[path("device_id"), path("binding_id")],
        ),
        "delete": op(
            "Delete a binding (frees the channel).",
            "bindings",
            "204",
            "Deleted",
            params=[path("device_id"), path("binding_id")],
        ),
    },
    "/api/v1/devices/{device_id}/peripherals/": {
        "get": op(
            "PDP peripherals attached to the device.",
            "pdp",
            ok_text='`{"peripherals": [{pdp_type_id, channels}]}`',
            params=[path("device_id")],
        ),
        "post": op(
            "Attach a PDP peripheral type from `channel` on: one binding per "
            "channel it provides.",
            "pdp",
            "201",
            '`{"peripheral", "bindings"}`',
            obj(["pdp_type_id", "channel"], pdp_type_id="string", channel="integer"),
            params=[path("device_id")],
            errors=("400", "401", "403", "404", "409", "429"),
        ),
    },
    "/api/v1/quantities/canonical/": {
        "get": op(
            "The CPO quantity catalog.",
            "quantities",
            params=[
                *PAGE,
                q("search", "Slug, name or description contains."),
                q(
                    "phenomenon_class",
                    "thermal, mechanical, electromagnetic, chemical, "
                    "optical (alias: domain).",
                ),
                q("domain", "Alias of phenomenon_class."),
            ],
            description=PAGED + " Symbols and SI units come from pint.",
        )
    },
    "/api/v1/quantities/canonical/{slug}/": {
        "get": op("One quantity.", "quantities", params=[path("slug")])
    },
    "/api/v1/pdp/types/": {
        "get": op(
            "Peripheral types.",
            "pdp",
            params=[
                *PAGE,
                q(
                    "peripheral_class",
                    "thermal, mechanical, electromagnetic, chemical, optical.",
                ),
                q("search", "Name or pdp_type_id contains."),
                q("contribution_status", "official, community, pending."),
            ],
            description=PAGED,
        )
    },
    "/api/v1/pdp/types/{pdp_type_id}/": {
        "get": op(
            "One peripheral type with TEDS metadata and channels.",
            "pdp",
            params=[path("pdp_type_id")],
        )
    },
    "/api/v1/pdp/catalog/export/": {
        "get": op(
            "Every public peripheral type in one document.",
            "pdp",
            ok_text='`{"format", "version", "count", "types": [...]}`',
        )
    },
}

MEASUREMENT = {
    "type": "object",
    "required": ["binding_id", "value"],
    "properties": {
        "binding_id": {"type": "string", "format": "uuid"},
        "value": {
            "oneOf": [{"type": "number"}, {"type": "string"}, {"type": "object"}]
        },
        "timestamp": {"type": "string", "format": "date-time"},
        "quality": {"type": "integer", "minimum": 0, "maximum": 255},
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

TELEMETRY_PATHS: Doc = {
    "/api/v1/ingest/": {
        "post": op(
            "Push a batch of measurements from a gateway.",
            "ingest",
            "202",
            "`{batch_id, device_id, accepted, rejected, errors: [{index, field, error}]}`",
            {
                "type": "object",
                "required": ["hardware_id", "measurements"],
                "properties": {
                    "hardware_id": line(128),
                    "measurements": {"type": "array", "items": MEASUREMENT},
                },
            },
            params=[
                q("mode", "partial (default) or atomic."),
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
            errors=("400", "401", "403", "404", "429"),
            description=INGEST_NOTE,
        )
    },
    "/api/v1/explorer/query/": {
        "get": op(
            "Query time series.",
            "explorer",
            ok_text="`{timestamps: [...], series: [{binding_id, label, values, unit}], meta}`",
            params=[
                q("binding_ids", "Comma-separated binding UUIDs (required)."),
                q("start", "Start (default -1h)."),
                q("end", "End (default now)."),
                q(
                    "max_points",
                    "Most buckets per series, 1-10000 (default 500).",
                    "integer",
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
SR_NOTE = (
    "Read-only Confluent Schema Registry API (no credential needed: schemas are the "
    "public contract). Point a stock client at `http://HOST:PORT/api/v1/schema-registry`"
    ". Subjects follow TopicNameStrategy (`<topic>-value`, with VIGIL_TOPIC_PREFIX); "
    "message keys are plain UTF-8 strings (entity or device ids). Errors carry "
    "Confluent's `error_code` and `message` as well as `error`. Responses are "
    "`application/vnd.schemaregistry.v1+json`."
)


def _sr(summary: str, params: list[Doc] | None = None) -> Doc:
    return op(
        summary,
        "schema-registry",
        params=params,
        errors=("404", "429"),
        public=True,
        description=SR_NOTE,
    )


SCHEMA_REGISTRY_PATHS: Doc = {
    f"{SR}/schemas/ids/{{schema_id}}": {
        "get": _sr("A schema by id: `{schema}`.", [path("schema_id")])
    },
    f"{SR}/schemas/types": {"get": _sr('Schema types: `["AVRO"]`.')},
    f"{SR}/subjects": {"get": _sr("Every subject.")},
    f"{SR}/subjects/{{subject}}/versions": {
        "get": _sr("A subject's versions.", [path("subject")])
    },
    f"{SR}/subjects/{{subject}}/versions/{{version}}": {
        "get": _sr(
            "One version (number or `latest`): `{subject, version, id, schema}`.",
            [path("subject"), path("version")],
        )
    },
    f"{SR}/config": {"get": _sr("Compatibility: `{compatibilityLevel: BACKWARD}`.")},
}

API_PATHS: Doc = {
    **AUTH_PATHS,
    **KEY_PATHS,
    **REGISTRY_PATHS,
    **TELEMETRY_PATHS,
    **SCHEMA_REGISTRY_PATHS,
}
