"""OpenAPI path items of the Argus assistant."""

from __future__ import annotations

from api.openapi.core_paths import Doc, obj, op

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

ARGUS_PATHS: Doc = {
    "/api/v1/ai/argus/message/": {
        "post": op(
            "Send a message to Argus; the answer streams as SSE.",
            "ai",
            ok_text="`text/event-stream` of `data: {json}` blocks",
            body=obj(
                ["message"],
                message="string",
                conversation_id="string",
                page_context="object",
            ),
            description=ARGUS_NOTE,
        )
    },
    "/api/v1/ai/argus/conversations/": {
        "get": op(
            "The caller's conversations, most recent first: "
            '`{"conversations": [{id, conversation_id, title, message_count, '
            "created_at, updated_at}]}` (title: the first message).",
            "ai",
        )
    },
}
