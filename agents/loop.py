"""Run the one tool loop every agent uses: model, tool calls, results, answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import jsonschema.exceptions

from agents.llm import Completion, ToolCall, complete, complete_streaming

# Output tokens asked of one model call; many providers refuse more.
MAX_OUTPUT_TOKENS = 4096
# Told between the texts of two model calls of one run, so they do not run together.
STEP_BREAK = "\n\n"


@dataclass(frozen=True)
class Tool:
    """A tool the model may call: a JSON-schema object and an async handler."""

    name: str
    description: str
    parameters: dict[str, Any]
    handler: Callable[[dict[str, Any]], Awaitable[str]]


@dataclass(frozen=True)
class Limits:
    """Bounds of one loop: model calls, total tokens and wall time."""

    max_steps: int = 6
    max_tokens: int = 8000
    timeout_s: float = 30.0


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call as executed, or refused."""

    tool: str
    arguments: dict[str, Any]
    result: str
    ok: bool


@dataclass(frozen=True)
class LoopResult:
    """The loop's answer, its tool calls and what it cost; `stopped` names a limit."""

    answer: str
    calls: tuple[ToolCallRecord, ...]
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    stopped: str | None


Observer = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class _Run:
    """What one loop has done so far, kept so a timeout can still report it."""

    model: str
    messages: list[dict[str, Any]]
    answer: str = ""
    calls: list[ToolCallRecord] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    pending: ToolCall | None = None
    observer: Observer | None = None
    spoke: bool = False

    async def tell(self, event: dict[str, Any]) -> None:
        if self.observer is not None:
            await self.observer(event)

    async def say(self, text: str) -> None:
        """Tell one streamed piece of the current model call's text."""
        if self.spoke and not self.answer:
            await self.tell({"event": "token", "text": STEP_BREAK})
        self.spoke = True
        self.answer += text  # so a timeout reports what was said so far
        await self.tell({"event": "token", "text": text})

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def count(self, completion: Completion) -> None:
        self.answer = completion.content
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.cost_usd += completion.cost_usd

    def result(self, stopped: str | None) -> LoopResult:
        calls = tuple(self.calls)
        if self.pending is not None:
            calls += (_refused(self.pending, "error: timed out"),)
        return LoopResult(
            answer=self.answer,
            calls=calls,
            model=self.model,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=self.cost_usd,
            stopped=stopped,
        )


def trigger_message(trigger: Mapping[str, Any], context: str = "") -> str:
    """Build the user message for a watcher trigger, with its `TRIGGER:` JSON line."""
    line = json.dumps(trigger, ensure_ascii=False, sort_keys=True, default=str)
    head = "A watcher trigger fired. Decide which tools to call, if any.\n"
    return f"{head}TRIGGER: {line}" + (f"\n\n{context}" if context else "")


def chat_message(question: str, context: Mapping[str, Any]) -> str:
    """Build a chat user message: the question, then a `CONTEXT:` JSON line."""
    line = json.dumps(context, ensure_ascii=False, sort_keys=True, default=str)
    return f"{question}\nCONTEXT: {line}"


async def run_loop(
    model: str,
    system: str,
    user: str,
    tools: Sequence[Tool],
    limits: Limits = Limits(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    history: Sequence[dict[str, Any]] = (),
    observer: Observer | None = None,
) -> LoopResult:
    """Let the model call tools until it answers or a limit stops it.

    With an ``observer``, the model is streamed and the observer hears its text as
    it is produced (``token``, with a blank line between the texts of two model
    calls), each tool call start (``thinking`` calling), its result
    (``tool_result``) and its end (``thinking`` done), as they happen. Without one,
    each model call returns whole."""
    system_message = {"role": "system", "content": system}
    messages = [system_message, *history, {"role": "user", "content": user}]
    run = _Run(model=model, messages=messages, observer=observer)
    try:
        async with asyncio.timeout(limits.timeout_s):
            stopped = await _steps(run, {t.name: t for t in tools}, limits)
    except TimeoutError:
        stopped = "time"
    return run.result(stopped)


async def _steps(run: _Run, tools: dict[str, Tool], limits: Limits) -> str | None:
    specs = [_spec(tool) for tool in tools.values()]
    for _ in range(limits.max_steps):
        budget = min(MAX_OUTPUT_TOKENS, limits.max_tokens - run.tokens)
        completion = await _ask(run, specs, budget, limits.timeout_s)
        run.count(completion)
        if not completion.tool_calls:
            return None
        await _execute_all(run, tools, completion)
        if run.tokens >= limits.max_tokens:
            return "tokens"
    return "steps"


async def _ask(
    run: _Run, specs: list[dict[str, Any]], budget: int, timeout_s: float
) -> Completion:
    """Call the model once: streamed to the observer when there is one."""
    if run.observer is None:
        return await complete(run.model, run.messages, specs, budget, timeout_s)
    run.answer = ""
    return await complete_streaming(
        run.model, run.messages, specs, budget, timeout_s, run.say
    )


async def _execute_all(
    run: _Run, tools: dict[str, Tool], completion: Completion
) -> None:
    run.messages.append(_assistant_message(completion))
    for call in completion.tool_calls:
        run.pending = call
        await run.tell({"event": "thinking", "tool": call.name, "status": "calling"})
        record = await _execute(tools.get(call.name), call)
        await run.tell(
            {"event": "tool_result", "tool": call.name, "result": _shown(record)}
        )
        await run.tell({"event": "thinking", "tool": call.name, "status": "done"})
        run.pending = None
        run.calls.append(record)
        run.messages.append(_tool_message(call, record.result))


async def _execute(tool: Tool | None, call: ToolCall) -> ToolCallRecord:
    """Run one tool call; a refusal or a failure becomes an error result."""
    if tool is None:
        return _refused(call, f"error: unknown tool {call.name!r}")
    if call.raw_arguments is not None:
        return _refused(
            call, f"error: arguments are not a JSON object: {call.raw_arguments}"
        )
    problem = _schema_problem(tool.parameters, call.arguments)
    if problem:
        return _refused(call, f"error: invalid arguments: {problem}")
    try:
        result = await tool.handler(call.arguments)
    except Exception as ex:  # a failing tool is reported to the model, not raised
        return _refused(call, f"error: {type(ex).__name__}: {ex}")
    return ToolCallRecord(call.name, call.arguments, result, True)


def _schema_problem(schema: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    try:
        jsonschema.validate(arguments, schema)
    except jsonschema.exceptions.ValidationError as ex:
        where = "/".join(str(p) for p in ex.absolute_path)
        return f"{where}: {ex.message}" if where else ex.message
    except jsonschema.exceptions.SchemaError as ex:
        return f"the tool's schema is invalid: {ex.message}"
    return None


def _shown(record: ToolCallRecord) -> Any:
    """A tool's result as an observer sees it: its JSON when it is JSON."""
    try:
        return json.loads(record.result)
    except ValueError:
        return {"ok": record.ok, "text": record.result}


def _refused(call: ToolCall, result: str) -> ToolCallRecord:
    return ToolCallRecord(call.name, call.arguments, result, False)


def _spec(tool: Tool) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def _assistant_message(completion: Completion) -> dict[str, Any]:
    calls = [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": _arguments_text(call)},
        }
        for call in completion.tool_calls
    ]
    return {
        "role": "assistant",
        "content": completion.content or None,
        "tool_calls": calls,
    }


def _arguments_text(call: ToolCall) -> str:
    if call.raw_arguments is not None:
        return call.raw_arguments
    return json.dumps(call.arguments, ensure_ascii=False)


def _tool_message(call: ToolCall, result: str) -> dict[str, Any]:
    return {
        "role": "tool",
        "tool_call_id": call.id,
        "name": call.name,
        "content": result,
    }
