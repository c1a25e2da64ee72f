"""OpenAPI path items of the watchers reference: watchers, threads, memory,
actions, custom tools, channels, usage and the inbound mail webhook."""

from __future__ import annotations

from api.openapi.parts import (
    WS,
    Doc,
    choice,
    edits,
    email,
    free_text,
    integer,
    line,
    nullable,
    number,
    obj,
    op,
    path,
    q,
    strings,
    text,
)
from api.validation import NO_CONTROLS
from domain.watcher_tools import TOOL_NAME
from domain.watchers import (
    BUILTIN_TOOLS,
    SEVERITIES,
    STATUSES,
    TEMPLATES,
    THREAD_STATUSES,
)

W = "/api/watchers/{watcher_id}"
WID = path("watcher_id")


def some_given(*names: str) -> list[Doc]:
    """``anyOf`` branches: at least one of ``names`` is given and not null."""
    return [
        {"required": [n], "properties": {n: {"not": {"type": "null"}}}} for n in names
    ]


SUBSCRIPTIONS: Doc = {
    "type": ["object", "null"],
    "properties": {
        "site_ids": nullable(strings()),
        "device_ids": nullable(strings()),
        "rule_ids": nullable(strings()),
        "severities": nullable(strings(choice(*SEVERITIES))),
    },
}
WATCHER_PROPERTIES: Doc = {
    "name": nullable(line()),
    "system_prompt": nullable(free_text(20_000)),
    "tools": nullable(
        strings(
            {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_CONTROLS}
        )
    ),
    "silence_hours": nullable(number(0.0001, 8760)),
    "tick_interval": nullable(number(0.01, 525_600)),
    "model": nullable(text(200)),
    "template_id": nullable(choice(*TEMPLATES)),
    "status": nullable(choice(*STATUSES)),
    "reactivity": nullable(number(0, 10)),
    "memory_sensitivity": nullable(number(0, 10)),
    "subscriptions": SUBSCRIPTIONS,
}
WATCHER: Doc = {
    "type": "object",
    "properties": WATCHER_PROPERTIES,
    "allOf": [
        {"anyOf": some_given("name")},
        {"anyOf": some_given("system_prompt", "template_id")},
    ],
}
WATCHER_EDIT: Doc = {
    "type": "object",
    "properties": WATCHER_PROPERTIES,
    "anyOf": some_given(*WATCHER_PROPERTIES),
}
WATCHER_NOTE = (
    'Defaults: `tools` `["send_alert"]`, `silence_hours` 48, `tick_interval` 60 '
    "(minutes), `model` VIGIL_LLM_MODEL (default `gpt-4.1-mini`), `status` active, "
    "`reactivity` and `memory_sensitivity` 3 (0-10). `silence_hours` and "
    "`tick_interval` may be fractional (> 0). Built-in tools: `send_alert` (to the "
    "watcher's channels), `save_memory`, `update_thread`; other names are kept but "
    "only offered to the model when a custom tool of that name exists (enabled "
    "custom tools are always offered). `template_id`: `bills`, `vendor` or "
    "`operations` fill `system_prompt` and `tools` when not given (unknown: 400). "
    '`subscriptions` (Vigil\'s bridge to the platform API): `{"site_ids", '
    '"device_ids", "rule_ids", "severities"}`: an alert that fires (status '
    "active) on a listed site's device, a listed device or a listed rule, at a "
    "listed severity (default all), triggers the watcher once (`platform_alert`). "
    "The view adds `id` (`w_…`), `ingest_token` (`tok_…`), `ingestion_address` "
    "(`<slug>-<ingest_token>@VIGIL_MAIL_DOMAIN`), `signing_secret` (the HMAC key of "
    "its webhooks), `created_at`, `updated_at`. A model whose provider has no "
    "credentials in the environment runs on VIGIL_LLM_FALLBACK (default the "
    "offline `vigil/offline`); actions record the model that ran. A paused "
    "watcher gets no triggers (mail is still filed)."
)
THREAD_NOTE = (
    "A thread: `{id, watcher_id, subject, status, summary, flags, message_count, "
    "participants, created_at, updated_at, last_message_at}`; the single GET adds "
    "`messages` (`{id, message_id, subject, from, from_name, to, text, "
    "attachments: [{name, content_type, size}], received_at}`, oldest first). "
    "Mail joins a thread by In-Reply-To, then References, then the normalized "
    "subject (Re:/Fwd: prefixes removed). `status`: active (default), watching, "
    "resolved, ignored. Lists are newest activity first, `?limit` (1-1000, default "
    "100), `?offset`."
)
ACTION_NOTE = (
    "An action: `{id, watcher_id, invocation_id, trigger_type, tool, arguments, "
    "result, ok, thread_id, model, prompt_tokens, completion_tokens, cost_usd, "
    "created_at}`. One per tool call, or one for a run that called none "
    "(`tool` null, `result` its answer). A run's tokens and cost are on its first "
    "action. `trigger_type`: email_received, silence, scheduled_tick, "
    "platform_alert, manual (invoke), digest. Newest first; `?limit` 1-1000 "
    "(default 50), `?thread_id`."
)
# An http(s) URL with a host name or dotted IPv4 address, no credentials, an
# optional port from 1 (around it: white space, trimmed).
_LABEL = "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_NAME = rf"({_LABEL}\.){{0,2}}[A-Za-z_]([A-Za-z0-9_-]{{0,61}}[A-Za-z0-9_])?"
_HOST = rf"({_NAME}|({_OCTET}\.){{3}}{_OCTET})"
URL: Doc = {
    "type": "string",
    "maxLength": 2048,
    "pattern": f"^{WS}*[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(:[1-9][0-9]{{0,3}})?(/[!-~]*)?"
    f"{WS}*$",
}
TOOL_PROPERTIES: Doc = {
    "name": {
        "type": "string",
        "pattern": f"^{WS}*" + TOOL_NAME.pattern[1:-1] + f"{WS}*$",
        "not": {"enum": sorted(BUILTIN_TOOLS)},
    },
    "description": free_text(2000),
    "webhook_url": URL,
    "headers": {
        "type": ["object", "null"],
        "description": "Sent with each call; names and values without control "
        "characters.",
        "propertyNames": {"pattern": NO_CONTROLS},
        "additionalProperties": {"type": "string", "pattern": NO_CONTROLS},
    },
    "parameter_schema": {
        "type": ["object", "null"],
        "description": "A valid JSON Schema (2020-12): a map of parameter name to "
        "its schema, or a whole object schema.",
    },
    "enabled": {"type": ["boolean", "null"]},
}
TOOL: Doc = {
    "type": "object",
    "required": ["name", "description", "webhook_url"],
    "properties": TOOL_PROPERTIES,
}
TOOL_EDIT: Doc = {
    "type": "object",
    "properties": {
        **{n: nullable(TOOL_PROPERTIES[n]) for n in ("name", "description")},
        "webhook_url": nullable(URL),
        **{n: TOOL_PROPERTIES[n] for n in ("headers", "parameter_schema", "enabled")},
    },
    "anyOf": some_given(*TOOL_PROPERTIES),
}
TOOL_NOTE = (
    "`parameter_schema` is either a map of parameter name to its JSON schema (as "
    "in the reference) or a full object schema; it must be a valid JSON schema "
    "(400). The model's arguments are validated against it before any call. A call "
    "POSTs `{tool, arguments, watcher_id, test, sent_at}` to `webhook_url` through "
    "the SSRF guard: http/https only; loopback, private, link-local, CGNAT, "
    "multicast and metadata addresses are refused unless listed in "
    "VIGIL_WEBHOOK_ALLOW_HOSTS; redirects are followed (3 at most) only to checked "
    "addresses. Each request carries `X-Vigil-Timestamp` and `X-Vigil-Signature: "
    "sha256=HMAC(signing_secret, timestamp + '.' + body)`. Tool names are unique "
    "per watcher (409)."
)
# An email channel's address: one the mailer sends to (api.validation.EMAIL).
MAILBOX: Doc = email(
    2048,
    description="An email address: a dot-atom local part of at most 64 "
    "characters, a domain of dot-separated DNS labels.",
)
CHANNEL: Doc = {
    **obj(["type", "destination"], type=choice("email", "webhook")),
    "oneOf": [
        {"properties": {"type": {"const": "email"}, "destination": MAILBOX}},
        {"properties": {"type": {"const": "webhook"}, "destination": URL}},
    ],
}
CHANNEL_EDIT: Doc = {
    "type": "object",
    "description": "`destination` must suit the channel's type: an email address "
    "or a webhook URL.",
    "properties": {
        "destination": {"anyOf": [MAILBOX, URL, {"type": "null"}]},
        "enabled": {"type": ["boolean", "null"]},
    },
    "anyOf": some_given("destination", "enabled"),
}
CHANNEL_NOTE = (
    "`type` email or webhook (else 400; fixed after creation). Alerts "
    "(`send_alert`) go to every enabled channel: email through VIGIL_SMTP_RELAY, "
    "or, with no relay (vigil dev), into the mbox file VIGIL_OUTBOX_PATH "
    "(default `<data>/outbox.mbox`); webhooks get `{type: alert, watcher_id, "
    "watcher_name, severity, message, thread_id, trigger_type, sent_at}`, signed "
    "as custom tools are, with `X-Vigil-Delivery` (the run id: a redelivered run "
    "repeats it)."
)
MEMORY_NOTE = (
    "A memory: `{id, watcher_id, content, importance, obsolete, source (manual or "
    "agent), created_at, updated_at}`. `importance` 1-5 (default 3), else 400; "
    "`content` must be non-empty. The list hides obsolete memories, most "
    "important first."
)
USAGE_NOTE = (
    "Summed from the recorded actions: `total_cost` = sum of `cost_usd`, "
    "`total_invocations` = distinct runs, `total_alerts` = successful "
    "`send_alert` calls, `total_emails` = runs triggered by a received mail; "
    "`current_month` counts runs since the first of this month (UTC). Deleted "
    "watchers and their actions are left out. `assistant` `{cost, invocations}`: "
    "Argus answers and investigations of the account, included in the totals."
)
INVOKE_NOTE = (
    '`message` (chat mode) answers `{"response": "..."}`; `query` (query mode) '
    'answers `{"actions": [...], "thread_updates": [{thread_id, status?, '
    'summary?}], "email_analysis": {summary, active_threads, threads, model}}`; '
    "neither reviews the active threads in query mode; both: 400. The run is "
    "recorded as actions (`trigger_type` manual) before the answer."
)


INVOKE: Doc = {
    "type": "object",
    "description": "Optional: no body reads as {}; a body given must be an object "
    "(`null` too is a 400).",
    "properties": {
        "message": nullable(free_text(20_000)),
        "query": nullable(free_text(20_000)),
    },
    "not": {"type": "object", "allOf": some_given("message", "query")},
}
THREAD_EDIT: Doc = {
    "type": "object",
    "properties": {
        "status": nullable(choice(*THREAD_STATUSES)),
        "summary": nullable(free_text(10_000, blank=True)),
        "flags": {"type": ["object", "null"]},
    },
    "anyOf": some_given("status", "summary", "flags"),
}
IMPORTANCE = nullable(integer(1, 5))
MEMORY_EDIT: Doc = {
    "type": "object",
    "properties": {
        "content": nullable(free_text(10_000)),
        "importance": IMPORTANCE,
        "obsolete": {"type": ["boolean", "null"]},
    },
    "anyOf": some_given("content", "importance", "obsolete"),
}


def _one(summary: str, tag: str, params: list[Doc], **kw: object) -> Doc:
    return op(summary, tag, params=params, **kw)  # type: ignore[arg-type]


WATCHER_PATHS: Doc = {
    "/api/watchers": {
        "get": op('List watchers: `{"watchers": [...]}`.', "watchers"),
        "post": op(
            "Create a watcher.",
            "watchers",
            "201",
            '`{"watcher": {...}}`',
            WATCHER,
            description=WATCHER_NOTE,
        ),
    },
    W: {
        "get": _one('One watcher: `{"watcher": {...}}`.', "watchers", [WID]),
        **edits(
            op(
                "Change a watcher (at least one field, else 400).",
                "watchers",
                body=WATCHER_EDIT,
                params=[WID],
                description=WATCHER_NOTE,
            )
        ),
        "delete": _one(
            "Soft-delete a watcher, its tools, channels and (from every read) its "
            'data: `{"success": true}`.',
            "watchers",
            [WID],
        ),
    },
    f"{W}/invoke": {
        "post": op(
            "Invoke the agent now.",
            "watchers",
            body=INVOKE,
            body_required=False,
            params=[WID],
            description=INVOKE_NOTE,
        )
    },
    f"{W}/digest": {
        "post": _one(
            "Mail a digest of the active threads to the watcher's email channels: "
            '`{"digest": {subject, text, recipients, failed, threads, sent}}`: '
            "`failed` lists `{to, error}` per recipient the mail could not go to "
            "(the digest still answers 200; `sent` is true when one went at least).",
            "watchers",
            [WID],
        )
    },
}

_T = f"{W}/threads/{{thread_id}}"
_TID = [WID, path("thread_id")]
THREAD_PATHS: Doc = {
    f"{W}/threads": {
        "get": op(
            'List threads: `{"threads": [...]}`.',
            "threads",
            params=[
                WID,
                q(
                    "status",
                    "active, watching, resolved or ignored",
                    choice(*THREAD_STATUSES),
                ),
                q("limit", "1-1000, default 100", integer(1, 1000)),
                q("offset", "Threads to skip (default 0)", integer(0, 10**9)),
            ],
            description=THREAD_NOTE,
        )
    },
    _T: {
        "get": _one(
            'One thread with its messages: `{"thread": {...}}`.',
            "threads",
            _TID,
            description=THREAD_NOTE,
        ),
        **edits(
            op(
                "Set a thread's status, summary or flags (at least one, else 400): "
                '`{"thread": {...}}`.',
                "threads",
                body=THREAD_EDIT,
                params=_TID,
            )
        ),
        "delete": _one('Delete a thread: `{"success": true}`.', "threads", _TID),
    },
    f"{_T}/close": {
        "post": _one(
            "Mark a thread resolved (400 when already resolved or ignored): "
            '`{"thread": {...}}`.',
            "threads",
            _TID,
        )
    },
    f"{W}/actions": {
        "get": op(
            'List actions: `{"actions": [...]}`.',
            "actions",
            params=[
                WID,
                q("limit", "1-1000, default 50", integer(1, 1000)),
                q("thread_id", "Only this thread's actions"),
            ],
            description=ACTION_NOTE,
        )
    },
}

_M = [WID, path("memory_id")]
MEMORY_PATHS: Doc = {
    f"{W}/memory": {
        "get": _one(
            'List non-obsolete memories: `{"memories": [...]}`.',
            "memory",
            [WID],
            description=MEMORY_NOTE,
        ),
        "post": op(
            "Create a memory.",
            "memory",
            "201",
            '`{"memory": {...}}`',
            obj(["content"], content=free_text(10_000), importance=IMPORTANCE),
            params=[WID],
            description=MEMORY_NOTE,
        ),
    },
    f"{W}/memory/{{memory_id}}": {
        **edits(
            op(
                'Change a memory (at least one field, else 400): `{"memory": {...}}`.',
                "memory",
                body=MEMORY_EDIT,
                params=_M,
                description=MEMORY_NOTE,
            )
        ),
        "delete": _one('Delete a memory: `{"success": true}`.', "memory", _M),
    },
}

# Any media type is read as the raw mail; message/rfc822 is what senders use.
RAW_MAIL: Doc = {
    "requestBody": {
        "required": True,
        # No type: the bytes are the mail, whatever JSON they might also read as.
        "content": {
            "message/rfc822": {
                "schema": {"type": "string", "format": "binary", "minLength": 1},
                "description": "The raw mail (RFC 822 / 5322).",
            }
        },
    }
}
_TL = [WID, path("tool_id")]
_CH = [WID, path("channel_id")]
TOOL_PATHS: Doc = {
    f"{W}/tools": {
        "get": _one('List custom tools: `{"tools": [...]}`.', "tools", [WID]),
        "post": op(
            "Create a custom tool.",
            "tools",
            "201",
            '`{"tool": {...}}`',
            TOOL,
            params=[WID],
            description=TOOL_NOTE,
            errors=("400", "401", "403", "404", "409", "429"),
        ),
    },
    f"{W}/tools/{{tool_id}}": {
        "get": _one('One custom tool: `{"tool": {...}}`.', "tools", _TL),
        **edits(
            op(
                "Change a custom tool (at least one field, else 400).",
                "tools",
                body=TOOL_EDIT,
                params=_TL,
                description=TOOL_NOTE,
            )
        ),
        "delete": _one('Delete a custom tool: `{"success": true}`.', "tools", _TL),
    },
    f"{W}/tools/{{tool_id}}/test": {
        "post": _one(
            "Fire the webhook with sample arguments: `{success, status, "
            "response_body}` (`success` false with `error` when it cannot be "
            "reached; a refused address is 400).",
            "tools",
            _TL,
            description=TOOL_NOTE,
        )
    },
    f"{W}/channels": {
        "get": _one('List channels: `{"channels": [...]}`.', "channels", [WID]),
        "post": op(
            "Add an alert channel.",
            "channels",
            "201",
            '`{"channel": {id, type, destination, enabled, ...}}`',
            CHANNEL,
            params=[WID],
            description=CHANNEL_NOTE,
        ),
    },
    f"{W}/channels/{{channel_id}}": {
        **edits(
            op(
                "Change a channel's destination or enabled (at least one).",
                "channels",
                body=CHANNEL_EDIT,
                params=_CH,
                description=CHANNEL_NOTE,
            )
        ),
        "delete": _one('Remove a channel: `{"success": true}`.', "channels", _CH),
    },
    "/api/usage": {
        "get": op(
            "Usage and cost of the account.",
            "usage",
            ok_text='`{"usage": {total_cost, total_invocations, total_alerts, '
            "total_emails, current_month: {cost, invocations}, watchers: "
            "[{watcher_id, watcher_name, cost, invocations, alerts, emails}]}}`",
            description=USAGE_NOTE,
        )
    },
    "/api/inbound/{ingest_token}": {
        "post": RAW_MAIL
        | op(
            "File a raw mail (`message/rfc822` body) for the watcher owning the "
            "token, for mail services that forward by webhook.",
            "watchers",
            "202",
            "`{accepted, watcher_id, mail_id, message_id, received_at}`",
            params=[path("ingest_token")],
            errors=("400", "404", "413", "429"),
            public=True,
            description="No credential: the token is the address. Unknown token: "
            "404. A body that is empty or not a mail: 400; over VIGIL_MAIL_MAX_BYTES: "
            "413. The same mail arrives on the SMTP inbox at VIGIL_SMTP_HOST:"
            "VIGIL_SMTP_PORT for `ingestion_address` (550 at RCPT for unknown "
            "addresses, 552 over VIGIL_MAIL_MAX_BYTES). A mail is acknowledged once "
            "it is durable. Paths of this reference also answer with a trailing "
            "slash.",
        )
    },
}
