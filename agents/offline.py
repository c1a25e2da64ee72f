"""Answer deterministically without a network: the `vigil/offline` model.

The offline model reads the system prompt, the conversation and the offered tools and
decides by these rules, in order:

1. Scripts. On its first turn (no assistant message since the latest user message) every
   line `CALL <tool_name> <json object>` of the system prompt or of the latest user
   message calls that tool with those arguments, in order. A line
   `ALWAYS CALL <tool_name> <json object>` calls it on every turn, so the model never
   stops by itself. Lines after a `TRIGGER:` or `CONTEXT:` line are data, never scripts.
   Unoffered tools are skipped.
2. Tool results. When a `tool` message follows the last assistant message, the model
   answers with a one-line summary: `I called send_alert (Alert sent), ...`.
3. Watcher triggers. The latest user message holds a line `TRIGGER: <json>` (`type`:
   email_received | silence | scheduled_tick | platform_alert | manual; email: `from`,
   `subject`, `text`; platform_alert: `severity`, `rule_name`, `device`, `status`;
   `active_threads`: [{id, subject, status}]; `memories`: [str]). On the first turn:
   - The alert rule holds when the trigger is `silence`; or `platform_alert` with
     status `active`; or an email whose subject or text contains "urgent", "asap",
     "overdue", "past due" or "final notice" (severity critical); or an amount of at
     least a threshold stated in the prompt ("over $500", "above $1,000"; severity
     warning); or a keyword of the prompt (severity info). Keywords are the words after
     "alert me", "alert on", "notify me", "about" or "when" up to the end of the
     sentence, minus filler words and sentences that state a threshold ("Alert me
     about invoices and anything urgent" gives invoice(s) and urgent; plurals match
     singulars).
     Then `send_alert` is called with {"message": <why: "subject">, "severity"}.
   - A custom tool (any offered tool other than send_alert, save_memory, update_thread)
     whose name appears in the system prompt is called when the alert rule holds, with
     arguments built from its JSON schema: strings get the alert message, numbers 0,
     booleans false, arrays [], objects {}, enums their first value.
   - An email that mentions an amount ($1,450 or 1,450.00 USD) or a due date ("due March
     3", "due 2026-03-03", "due by 3/3") makes `save_memory` store
     {"content": "<subject>: <amount> due <date>", "importance": 4 with a date, else 3}.
   - An email saying paid, resolved, done, cancelled or canceled (not "not paid") makes
     `update_thread` set {"thread_id", "status": "resolved"} on the trigger's
     `thread_id`, else on the active thread whose subject matches the email's
     (ignoring Re:/Fwd:).
   With nothing to call it answers `No action needed for "<subject>".`
4. Natural-language queries. When the system prompt holds the NLQ marker
   (:mod:`agents.nlq.prompt`), the latest user message is a question about sensor
   data and the system prompt's last `CONTEXT:` line the org's devices, sites,
   quantities and clock. On the first turn the question is read by the NLQ grammar
   (:mod:`agents.nlq.planner`): understood, it calls `run_sql` with the planned
   SELECT; outside the grammar, it answers what it understood and what it did not.
   After the tool result it answers from the rows in plain English
   (:mod:`agents.nlq.answer`), or says the query failed.
5. Chat. Otherwise (no trigger, or a `manual` trigger) it answers the question from the
   context (the trigger JSON or a line `CONTEXT: <json>`): a question about threads gets
   "You have N active threads: subject (status), ..."; one about memories lists them;
   anything else says what it knows and that it is the offline model.

Token counts are whitespace-separated words: all message contents for the prompt, the
answer text and tool-call JSON for the completion. Streaming yields the answer word by
word, then each tool call in two chunks (id and name with the first half of its
arguments, then the rest, as network providers split them), then a last chunk with the
finish reason and the usage, so a streamed answer rebuilds to the non-streamed one.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

# Before litellm is imported: use the bundled cost map instead of downloading one.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from litellm.llms.custom_llm import CustomLLM  # noqa: E402
from litellm.types.llms.openai import (  # noqa: E402
    ChatCompletionToolCallChunk,
    ChatCompletionUsageBlock,
)
from litellm.types.utils import (  # noqa: E402
    ChatCompletionMessageToolCall,
    Choices,
    Function,
    GenericStreamingChunk,
    Message,
    ModelResponse,
    Usage,
)

from agents.offline_rules import Reply, decide, message_text  # noqa: E402


class OfflineModel(CustomLLM):
    """Serve `vigil/<anything>` through litellm with the offline rules."""

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        """Answer one request."""
        return _respond(kwargs["messages"], kwargs["optional_params"], kwargs)

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        """Answer one request."""
        return _respond(kwargs["messages"], kwargs["optional_params"], kwargs)

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        """Stream the answer word by word, then the tool calls and the usage."""
        yield from _chunks(kwargs["messages"], kwargs["optional_params"])

    # litellm iterates this as an async generator; its annotation says coroutine.
    async def astreaming(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        """Stream the answer word by word, then the tool calls and the usage."""
        for chunk in _chunks(kwargs["messages"], kwargs["optional_params"]):
            yield chunk
            # Let the event loop deliver this chunk before the next is made, as
            # it would between the packets of a network stream.
            await asyncio.sleep(0)


def _respond(
    messages: list[dict[str, Any]], params: dict[str, Any], kwargs: dict[str, Any]
) -> ModelResponse:
    reply = decide(messages, params.get("tools") or [])
    calls = [
        ChatCompletionMessageToolCall(
            id=call_id, type="function", function=Function(name=name, arguments=text)
        )
        for call_id, name, text in _calls(messages, reply)
    ]
    response: ModelResponse = kwargs["model_response"]
    message = Message(content=reply.text or None, tool_calls=calls or None)
    response.choices = [
        Choices(index=0, finish_reason=_finish_reason(reply), message=message)
    ]
    response.usage = Usage(**_usage(messages, reply))  # type: ignore[attr-defined]
    response.model = kwargs["model"]
    return response


def _calls(messages: list[dict[str, Any]], reply: Reply) -> list[tuple[str, str, str]]:
    """The reply's tool calls as (id, name, arguments JSON)."""
    turn = sum(1 for m in messages if m.get("role") == "assistant")
    return [
        (f"call_{turn}_{i}", name, json.dumps(arguments))
        for i, (name, arguments) in enumerate(reply.calls)
    ]


def _finish_reason(reply: Reply) -> str:
    return "tool_calls" if reply.calls else "stop"


def _usage(messages: list[dict[str, Any]], reply: Reply) -> ChatCompletionUsageBlock:
    prompt, completion = _prompt_words(messages), _reply_words(reply)
    return ChatCompletionUsageBlock(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
    )


def _chunks(
    messages: list[dict[str, Any]], params: dict[str, Any]
) -> Iterator[GenericStreamingChunk]:
    reply = decide(messages, params.get("tools") or [])
    for word in _words(reply.text):
        yield _chunk(text=word)
    for index, (call_id, name, text) in enumerate(_calls(messages, reply)):
        half = len(text) // 2
        yield _chunk(tool_use=_tool_piece(index, call_id, name, text[:half]))
        yield _chunk(tool_use=_tool_piece(index, None, None, text[half:]))
    yield GenericStreamingChunk(
        text="",
        is_finished=True,
        finish_reason=_finish_reason(reply),
        usage=_usage(messages, reply),
        index=0,
        tool_use=None,
    )


def _words(text: str) -> list[str]:
    """Split text before each word that follows whitespace; the pieces join back."""
    return [piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece]


def _chunk(
    text: str = "", tool_use: ChatCompletionToolCallChunk | None = None
) -> GenericStreamingChunk:
    return GenericStreamingChunk(
        text=text,
        is_finished=False,
        finish_reason="",
        usage=None,
        index=0,
        tool_use=tool_use,
    )


def _tool_piece(
    index: int, call_id: str | None, name: str | None, arguments: str
) -> ChatCompletionToolCallChunk:
    return ChatCompletionToolCallChunk(
        id=call_id,
        type="function",
        function={"name": name, "arguments": arguments},
        index=index,
    )


def _prompt_words(messages: list[dict[str, Any]]) -> int:
    return max(1, sum(len(message_text(m).split()) for m in messages))


def _reply_words(reply: Reply) -> int:
    calls = json.dumps(reply.calls).split() if reply.calls else []
    return max(1, len(reply.text.split()) + len(calls))
