"""Call language models through litellm: the one gateway, offline model included.

litellm takes seconds to import, so it is imported on first use (or by
:func:`warm`, which a process that will run agents calls in the background at
start), never merely by importing this module.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

# Before litellm is imported: use the bundled cost map instead of downloading one.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

PROVIDER = "vigil"
OFFLINE_MODEL = f"{PROVIDER}/offline"

TextSink = Callable[[str], Awaitable[None]]


class LLMError(Exception):
    """A model call failed."""


@dataclass(frozen=True)
class ToolCall:
    """One tool the model asked for; `raw_arguments` keeps text that was not JSON."""

    id: str
    name: str
    arguments: dict[str, Any]
    raw_arguments: str | None = None


@dataclass(frozen=True)
class Completion:
    """One model answer: text, tool calls, usage and its cost."""

    content: str
    tool_calls: list[ToolCall]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    model: str


_PRICES: dict[str, tuple[float, float]] = {}
_LOCK = threading.Lock()


@functools.cache
def _lib() -> Any:
    """litellm, imported and set up once (offline provider, quiet, prices)."""
    with _LOCK:
        # litellm's pydantic models warn about ReadOnly TypedDict items as it loads.
        warnings.filterwarnings("ignore", r".*`ReadOnly` qualifier", UserWarning)
        import litellm

        _quiet_litellm(litellm)
        _install_offline_provider(litellm)
        _PRICES.setdefault(OFFLINE_MODEL, (0.0, 0.0))
        _register(litellm, _PRICES)
        return litellm


@functools.cache
def _openai() -> ModuleType:
    import openai

    return openai


def warm() -> None:
    """Import and set up litellm now (call it off the event loop)."""
    _lib()


def resolve_model(model: str, fallback: str) -> str:
    """Return `model` when its provider has credentials configured, else `fallback`."""
    if model.startswith(f"{PROVIDER}/"):
        return model
    litellm, openai = _lib(), _openai()
    try:
        litellm.get_llm_provider(model=model)
    except (openai.OpenAIError, ValueError):
        return fallback  # litellm cannot map it to a provider
    found = litellm.validate_environment(model=model)
    return model if found["keys_in_environment"] else fallback


def register_prices(prices: dict[str, tuple[float, float]]) -> None:
    """Register per-token (input, output) USD prices for model strings (applied
    when litellm is first used, or now if it already is)."""
    _PRICES.update(prices)
    if _lib.cache_info().currsize:
        _register(_lib(), prices)


def _register(litellm: Any, prices: dict[str, tuple[float, float]]) -> None:
    litellm.register_model(
        {model: _price_row(litellm, model, *io) for model, io in prices.items()}
    )


def _price_row(
    litellm: Any, model: str, input_usd: float, output_usd: float
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "input_cost_per_token": input_usd,
        "output_cost_per_token": output_usd,
        # Stated so litellm does not warn that cache prices default to zero.
        "cache_read_input_token_cost": input_usd,
        "cache_creation_input_token_cost": input_usd,
        "mode": "chat",
    }
    provider = _provider(litellm, model)
    return row | {"litellm_provider": provider} if provider else row


def _provider(litellm: Any, model: str) -> str | None:
    if "/" in model:
        return model.split("/", 1)[0]
    try:
        return str(litellm.get_llm_provider(model=model)[1])
    except (_openai().OpenAIError, ValueError):
        return None


async def complete(
    model: str,
    messages: Sequence[dict[str, Any]],
    tools: Sequence[dict[str, Any]],
    max_tokens: int,
    timeout_s: float,
) -> Completion:
    """Ask the model once, offering OpenAI-style tools."""
    response = await _acompletion(
        model=model,
        messages=list(messages),
        tools=list(tools) or None,
        max_tokens=max_tokens,
        timeout=timeout_s,
    )
    return _completion(response, model)


async def complete_streaming(
    model: str,
    messages: Sequence[dict[str, Any]],
    tools: Sequence[dict[str, Any]],
    max_tokens: int,
    timeout_s: float,
    on_text: TextSink,
) -> Completion:
    """Ask the model once, streaming: hand each piece of text to `on_text` as it
    arrives, then return the whole answer, tool calls included, rebuilt from the
    chunks (so usage and cost are those of the non-streaming call)."""
    request = {
        "model": model,
        "messages": list(messages),
        "tools": list(tools) or None,
        "max_tokens": max_tokens,
        "timeout": timeout_s,
        "stream": True,
        # Providers such as OpenAI report usage in a stream only when asked.
        "stream_options": {"include_usage": True},
    }
    chunks: list[Any] = []
    async for chunk in _chunks(request):
        chunks.append(chunk)
        text = _delta_text(chunk)
        if text:
            await on_text(text)
    response = _lib().stream_chunk_builder(chunks, messages=request["messages"])
    if response is None:
        raise LLMError(f"{model}: the stream ended without an answer")
    return _completion(response, model)


async def stream(
    model: str, messages: Sequence[dict[str, Any]], max_tokens: int, timeout_s: float
) -> AsyncIterator[str]:
    """Yield the model's answer text as it is produced."""
    request = {
        "model": model,
        "messages": list(messages),
        "max_tokens": max_tokens,
        "timeout": timeout_s,
        "stream": True,
    }
    async for chunk in _chunks(request):
        text = _delta_text(chunk)
        if text:
            yield text


async def _chunks(request: dict[str, Any]) -> AsyncIterator[Any]:
    """The chunks of a streamed call, its failures mapped as :func:`_acompletion`
    maps them (a stream can fail after its first chunk)."""
    chunks = await _acompletion(**request)
    openai = _openai()
    try:
        async for chunk in chunks:
            yield chunk
    except openai.APITimeoutError as ex:
        raise TimeoutError(f"{request['model']}: {ex}") from ex
    except openai.OpenAIError as ex:
        raise LLMError(f"{request['model']}: {ex}") from ex


def _delta_text(chunk: Any) -> str | None:
    return chunk.choices[0].delta.content if chunk.choices else None


def _completion(response: Any, model: str) -> Completion:
    message = response.choices[0].message
    usage = getattr(response, "usage", None)
    return Completion(
        content=message.content or "",
        tool_calls=[_tool_call(call) for call in message.tool_calls or []],
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cost_usd=_cost(response),
        model=model,
    )


async def _acompletion(**request: Any) -> Any:
    litellm, openai = _lib(), _openai()
    try:
        return await litellm.acompletion(**request)
    except openai.APITimeoutError as ex:
        raise TimeoutError(f"{request['model']}: {ex}") from ex
    except openai.OpenAIError as ex:
        raise LLMError(f"{request['model']}: {ex}") from ex


def _tool_call(call: Any) -> ToolCall:
    raw = call.function.arguments or ""
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        return ToolCall(call.id, call.function.name, {}, raw)
    return ToolCall(call.id, call.function.name, arguments)


def _cost(response: Any) -> float:
    litellm = _lib()
    from litellm.exceptions import ModelNotMappedError

    try:
        return float(litellm.completion_cost(completion_response=response))
    except (ModelNotMappedError, ValueError):
        return 0.0  # no price is known for this model


def _install_offline_provider(litellm: Any) -> None:
    from agents.offline import OfflineModel

    others = [i for i in litellm.custom_provider_map if i["provider"] != PROVIDER]
    offline = {"provider": PROVIDER, "custom_handler": OfflineModel()}
    litellm.custom_provider_map = [*others, offline]


def _quiet_litellm(litellm: Any) -> None:
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # litellm's pydantic models warn about ReadOnly TypedDict items on first use.
    warnings.filterwarnings("ignore", r".*`ReadOnly` qualifier", UserWarning)
    litellm.suppress_debug_info = True
    litellm.turn_off_message_logging = True
    if hasattr(litellm, "telemetry"):
        setattr(litellm, "telemetry", False)  # noqa: B010 - absent in recent releases
