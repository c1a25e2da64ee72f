"""The tool loop: execution, refusals, limits and accounting, on the offline model."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import agents.loop
from agents.llm import OFFLINE_MODEL, Completion, ToolCall
from agents.loop import Limits, Tool, run_loop, trigger_message

# litellm's pydantic models warn about ReadOnly TypedDict items on first use.
pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")

ALERT_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "severity": {"type": "string", "enum": ["critical", "warning", "info"]},
    },
    "required": ["message"],
    "additionalProperties": False,
}


def recording_tool(
    name: str = "send_alert",
    reply: Callable[[dict[str, Any]], Awaitable[str]] | None = None,
) -> tuple[Tool, list[dict[str, Any]]]:
    """A tool that records the arguments of each call."""
    seen: list[dict[str, Any]] = []

    async def handler(arguments: dict[str, Any]) -> str:
        seen.append(arguments)
        return await reply(arguments) if reply else f"sent {arguments['message']}"

    return Tool(name, "Send an alert to the owner", ALERT_SCHEMA, handler), seen


async def test_loop_executes_the_handler_and_returns_its_result() -> None:
    alert, seen = recording_tool()
    result = await run_loop(
        OFFLINE_MODEL, 'CALL send_alert {"message": "disk full"}', "go", [alert]
    )
    assert seen == [{"message": "disk full"}]
    (call,) = result.calls
    assert (call.tool, call.result, call.ok) == ("send_alert", "sent disk full", True)
    assert result.answer == "I called send_alert (sent disk full)."
    assert result.stopped is None
    assert result.model == OFFLINE_MODEL


async def test_schema_invalid_arguments_are_refused_without_calling_the_handler() -> (
    None
):
    alert, seen = recording_tool()
    system = 'CALL send_alert {"message": "x", "severity": "apocalyptic"}'
    result = await run_loop(OFFLINE_MODEL, system, "go", [alert])
    assert seen == []
    (call,) = result.calls
    assert call.ok is False
    assert call.result.startswith("error: invalid arguments: severity:")
    assert call.arguments == {"message": "x", "severity": "apocalyptic"}


async def test_a_failing_handler_becomes_an_error_result() -> None:
    async def explode(arguments: dict[str, Any]) -> str:
        raise RuntimeError("webhook unreachable")

    alert, _ = recording_tool(reply=explode)
    result = await run_loop(
        OFFLINE_MODEL, 'CALL send_alert {"message": "x"}', "go", [alert]
    )
    (call,) = result.calls
    assert (call.ok, call.result) == (False, "error: RuntimeError: webhook unreachable")
    assert "webhook unreachable" in result.answer


async def test_loop_stops_at_max_steps_when_the_model_keeps_calling() -> None:
    alert, seen = recording_tool()
    system = 'ALWAYS CALL send_alert {"message": "again"}'
    result = await run_loop(OFFLINE_MODEL, system, "go", [alert], Limits(max_steps=3))
    assert result.stopped == "steps"
    assert len(seen) == 3
    assert len(result.calls) == 3


async def test_loop_stops_when_the_token_budget_is_spent() -> None:
    alert, seen = recording_tool()
    system = 'ALWAYS CALL send_alert {"message": "again"}'
    limits = Limits(max_steps=50, max_tokens=40)
    result = await run_loop(OFFLINE_MODEL, system, "go", [alert], limits)
    assert result.stopped == "tokens"
    assert result.prompt_tokens + result.completion_tokens >= 40
    assert 1 <= len(seen) < 50


async def test_loop_times_out_and_records_the_interrupted_call() -> None:
    async def hang(arguments: dict[str, Any]) -> str:
        await asyncio.sleep(30)
        return "never"

    alert, _ = recording_tool(reply=hang)
    limits = Limits(timeout_s=0.5)
    started = asyncio.get_running_loop().time()
    result = await run_loop(
        OFFLINE_MODEL, 'CALL send_alert {"message": "x"}', "go", [alert], limits
    )
    assert asyncio.get_running_loop().time() - started < 5
    assert result.stopped == "time"
    assert [(c.ok, c.result) for c in result.calls] == [(False, "error: timed out")]


async def test_loop_sums_tokens_over_steps_and_costs_nothing_offline() -> None:
    alert, _ = recording_tool()
    result = await run_loop(
        OFFLINE_MODEL, 'CALL send_alert {"message": "x"}', "go", [alert]
    )
    # Two model calls: the prompt is counted twice, the second time with more turns.
    assert result.prompt_tokens > 2 * len('CALL send_alert {"message": "x"} go'.split())
    assert result.cost_usd == 0.0


async def test_history_precedes_the_user_message() -> None:
    history = [
        {"role": "user", "content": "earlier question"},
        {"role": "assistant", "content": "earlier answer"},
    ]
    result = await run_loop(
        OFFLINE_MODEL, "You watch my inbox.", "Any threads?", [], history=history
    )
    assert result.answer == "You have no active threads."
    assert result.prompt_tokens == len(
        "You watch my inbox. earlier question earlier answer Any threads?".split()
    )


async def test_watcher_trigger_runs_the_rules_end_to_end() -> None:
    alert, seen = recording_tool()
    mail = {"type": "email_received", "subject": "Final notice", "text": "Pay now."}
    result = await run_loop(
        OFFLINE_MODEL, "Watch my bills.", trigger_message(mail), [alert]
    )
    assert seen == [
        {"message": 'Urgent ("final notice"): "Final notice"', "severity": "critical"}
    ]
    assert result.stopped is None


def scripted(*completions: Completion) -> Callable[..., Awaitable[Completion]]:
    """A stand-in for agents.llm.complete that answers from a list."""
    queue = list(completions)

    async def complete(*args: Any, **kwargs: Any) -> Completion:
        return queue.pop(0)

    return complete


def completion(content: str = "", *calls: ToolCall) -> Completion:
    """A model answer with the given text and tool calls."""
    return Completion(content, list(calls), 10, 5, 0.25, "scripted/model")


async def test_unknown_tool_and_non_json_arguments_are_error_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alert, seen = recording_tool()
    first = completion(
        "",
        ToolCall("c1", "format_disk", {}),
        ToolCall("c2", "send_alert", {}, raw_arguments="{oops"),
    )
    monkeypatch.setattr(agents.loop, "complete", scripted(first, completion("ok")))
    result = await run_loop("scripted/model", "s", "u", [alert])
    assert seen == []
    assert [(c.tool, c.ok, c.result) for c in result.calls] == [
        ("format_disk", False, "error: unknown tool 'format_disk'"),
        ("send_alert", False, "error: arguments are not a JSON object: {oops"),
    ]
    assert (result.answer, result.cost_usd, result.prompt_tokens) == ("ok", 0.5, 20)


async def test_tool_results_go_back_to_the_model_as_tool_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alert, _ = recording_tool()
    sent: list[list[dict[str, Any]]] = []
    answers = [
        completion("", ToolCall("c1", "send_alert", {"message": "m"})),
        completion("done"),
    ]

    async def complete(model: str, messages: Any, *rest: Any) -> Completion:
        sent.append(json.loads(json.dumps(messages)))
        return answers.pop(0)

    monkeypatch.setattr(agents.loop, "complete", complete)
    await run_loop("scripted/model", "s", "u", [alert])
    assistant, tool_message = sent[1][-2:]
    assert assistant["tool_calls"][0]["function"] == {
        "name": "send_alert",
        "arguments": '{"message": "m"}',
    }
    assert tool_message == {
        "role": "tool",
        "tool_call_id": "c1",
        "name": "send_alert",
        "content": "sent m",
    }
