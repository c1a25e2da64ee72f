"""OpenAPI path items of the Argus assistant."""

from __future__ import annotations

from api.openapi.parts import (
    LIMIT,
    UUID_TEXT,
    Doc,
    choice,
    free_text,
    nullable,
    obj,
    op,
    path,
    q,
    sse_event,
    text,
)

ARGUS_NOTE = (
    "Answers `text/event-stream`: each event is one block `data: {json}` followed by "
    "a blank line, with no `event:` or `id:` line (the reference's clients split on "
    "blank lines and keep blocks starting with `data: `). Events, in order: "
    "`thinking` `{tool, status: calling}`, `tool_result` `{tool, result}`, `thinking` "
    "`{tool, status: done}` for each tool call as it runs; `token` `{text}` with the "
    "answer word by word; `navigate` `{url, label}` for each dashboard built; `done` "
    "`{content, conversation_id}` last, once the exchange is stored. Tools: "
    "`query_data` (the data question), `build_dashboard` (a Canvas dashboard of the "
    "series matching a topic, or of the page's device, with an alerts panel; then "
    "`navigate` to `/api/v1/canvas/{id}/`), `configure_alert` (an alert rule on a "
    "quantity of a device, or of the org). `page_context` `{page, dashboard_id, "
    "device_id, site_id}`: ids must be the org's (404). `conversation_id` continues "
    "one of the caller's conversations (unknown: 404); a new conversation gets a "
    "UUID. The model is VIGIL_LLM_MODEL when its provider has credentials, else "
    "VIGIL_LLM_FALLBACK (the offline `vigil/offline`), bounded by "
    "VIGIL_AGENT_MAX_STEPS, VIGIL_AGENT_MAX_TOKENS and VIGIL_AGENT_TIMEOUT_S. With "
    "the offline model the answer is known when its tokens are sent; a streaming "
    "model's steps are streamed after each step returns."
)

INVESTIGATION_NOTE = (
    "An investigation: `{id, status, trigger (alert|argus), alert_event_id, "
    "device_id, title, findings, evidence, model, prompt_tokens, completion_tokens, "
    "cost_usd, created_at, updated_at}`. Started for every critical alert when "
    "VIGIL_INVESTIGATE_CRITICAL is true (by the stream worker, once per alert), and "
    "by Argus's `start_investigation` tool. The job gathers the alert, its series "
    "over the last 6 h, the device's other alerts and (when configured) memories, "
    "then asks the model for findings. Statuses move queued → running → complete "
    "or failed."
)


def _kind(name: str, **props: str | Doc) -> Doc:
    body = obj(["event", *props], **props)
    body["properties"]["event"] = {"const": name}
    return body


ARGUS_EVENT = sse_event(
    {
        "oneOf": [
            _kind("thinking", tool="string", status=choice("calling", "done")),
            _kind("tool_result", tool="string", result={}),
            _kind("token", text="string"),
            _kind("navigate", url="string", label="string"),
            _kind("done", content="string", conversation_id="string"),
        ]
    },
    event={"const": "message", "description": "No `event:` line."},
)

ARGUS_PATHS: Doc = {
    "/api/v1/ai/argus/message/": {
        "post": op(
            "Send a message to Argus; the answer streams as SSE.",
            "ai",
            ok_text="`text/event-stream` of `data: {json}` blocks",
            body=obj(
                ["message"],
                message=free_text(10_000),
                conversation_id=nullable(UUID_TEXT),
                page_context={
                    "type": ["object", "null"],
                    "properties": {
                        name: nullable(text(64))
                        for name in ("page", "dashboard_id", "device_id", "site_id")
                    },
                },
            ),
            description=ARGUS_NOTE,
            ok_schema=ARGUS_EVENT,
            ok_media="text/event-stream",
        )
    },
    "/api/v1/ai/argus/conversations/": {
        "get": op(
            "The caller's conversations, most recent first: "
            '`{"conversations": [{id, conversation_id, title, message_count, '
            "created_at, updated_at}]}` (title: the first message).",
            "ai",
            params=[LIMIT],
        )
    },
    "/api/v1/ai/argus/investigations/": {
        "get": op(
            'Investigations, newest first: `{"investigations": [...]}` (`?status=` '
            "queued, running, complete, failed; `?limit` 1-1000).",
            "ai",
            params=[
                q(
                    "status",
                    "queued, running, complete or failed.",
                    choice("queued", "running", "complete", "failed"),
                ),
                LIMIT,
            ],
            description=INVESTIGATION_NOTE,
        )
    },
    "/api/v1/ai/argus/investigations/{investigation_id}/": {
        "get": op(
            "One investigation.",
            "ai",
            params=[path("investigation_id")],
            description=INVESTIGATION_NOTE,
        )
    },
}
