"""The litellm gateway: completions, cost accounting, model resolution, streaming."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import (
    ChatCompletionMessageToolCall,
    Choices,
    Function,
    GenericStreamingChunk,
    Message,
)

from agents.llm import (
    OFFLINE_MODEL,
    LLMError,
    complete,
    complete_streaming,
    register_prices,
    resolve_model,
    stream,
)

# litellm's pydantic models warn about ReadOnly TypedDict items on first use.
pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")

ROOT = Path(__file__).resolve().parents[2]
ALERT_TOOL = {
    "type": "function",
    "function": {
        "name": "send_alert",
        "parameters": {
            "type": "object",
            "properties": {"message": {"type": "string"}},
        },
    },
}


def conversation(system: str, user: str) -> list[dict[str, Any]]:
    """A system prompt and one user message."""
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class RawArguments(CustomLLM):
    """A provider whose only answer calls send_alert with arguments that are not JSON."""

    async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
        response = kwargs["model_response"]
        call = ChatCompletionMessageToolCall(
            id="c1",
            type="function",
            function=Function(name="send_alert", arguments="{not json"),
        )
        message = Message(content=None, tool_calls=[call])
        response.choices = [
            Choices(index=0, finish_reason="tool_calls", message=message)
        ]
        return response


class BrokenStream(CustomLLM):
    """A provider whose stream fails after its first word."""

    async def astreaming(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        yield GenericStreamingChunk(
            text="Hello ", is_finished=False, finish_reason="", usage=None, index=0
        )
        raise ConnectionResetError("the connection dropped")


@pytest.fixture
def broken_stream_provider() -> Iterator[str]:
    """Serve `brokentest/...` with BrokenStream for one test."""
    item = {"provider": "brokentest", "custom_handler": BrokenStream()}
    litellm.custom_provider_map.append(item)  # type: ignore[arg-type]
    yield "brokentest/any"
    litellm.custom_provider_map.remove(item)  # type: ignore[arg-type]


@pytest.fixture
def raw_arguments_provider() -> Iterator[str]:
    """Serve `rawtest/...` with RawArguments for one test."""
    item = {"provider": "rawtest", "custom_handler": RawArguments()}
    litellm.custom_provider_map.append(item)  # type: ignore[arg-type]
    yield "rawtest/any"
    litellm.custom_provider_map.remove(item)  # type: ignore[arg-type]


def test_importing_the_gateway_selects_the_local_cost_map() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    code = (
        "import os, time; t = time.perf_counter(); import agents.llm; "
        "print(os.environ['LITELLM_LOCAL_MODEL_COST_MAP'], time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    flag, seconds = done.stdout.split()
    assert flag == "True"
    print(f"import agents.llm took {float(seconds):.2f} s")


async def test_complete_returns_the_scripted_tool_call_at_no_cost() -> None:
    messages = conversation('CALL send_alert {"message": "x"}', "go")
    answer = await complete(OFFLINE_MODEL, messages, [ALERT_TOOL], 100, 5.0)
    assert [(c.name, c.arguments) for c in answer.tool_calls] == [
        ("send_alert", {"message": "x"})
    ]
    assert answer.tool_calls[0].raw_arguments is None
    assert answer.prompt_tokens == 5
    assert answer.cost_usd == 0.0
    assert answer.model == OFFLINE_MODEL


async def test_registered_prices_are_charged_per_token() -> None:
    register_prices({"vigil/offline-priced": (0.001, 0.002)})
    messages = conversation("You watch my inbox.", "Hello there")
    answer = await complete("vigil/offline-priced", messages, [], 200, 5.0)
    expected = answer.prompt_tokens * 0.001 + answer.completion_tokens * 0.002
    assert answer.prompt_tokens > 0 and answer.completion_tokens > 0
    assert answer.cost_usd == pytest.approx(expected)
    assert answer.model == "vigil/offline-priced"


async def test_unpriced_model_costs_nothing() -> None:
    answer = await complete("vigil/unpriced", conversation("x", "hi"), [], 50, 5.0)
    assert answer.cost_usd == 0.0


async def test_arguments_that_are_not_json_become_empty_with_raw_text_kept(
    raw_arguments_provider: str,
) -> None:
    answer = await complete(
        raw_arguments_provider, conversation("x", "y"), [ALERT_TOOL], 50, 5.0
    )
    (call,) = answer.tool_calls
    assert call.arguments == {}
    assert call.raw_arguments == "{not json"


def test_resolve_model_falls_back_without_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert resolve_model("gpt-4.1-mini", OFFLINE_MODEL) == OFFLINE_MODEL


def test_resolve_model_keeps_a_model_with_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert resolve_model("gpt-4.1-mini", OFFLINE_MODEL) == "gpt-4.1-mini"


def test_resolve_model_falls_back_for_an_unknown_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert resolve_model("no-such-model-xyz", OFFLINE_MODEL) == OFFLINE_MODEL
    assert resolve_model("", OFFLINE_MODEL) == OFFLINE_MODEL


def test_resolve_model_keeps_vigil_models() -> None:
    assert resolve_model("vigil/offline-priced", "x") == "vigil/offline-priced"


async def test_stream_yields_tokens_that_join_to_the_full_answer() -> None:
    messages = conversation("You watch my inbox.", "Tell me about yourself")
    whole = await complete(OFFLINE_MODEL, messages, [], 200, 5.0)
    tokens = [token async for token in stream(OFFLINE_MODEL, messages, 200, 5.0)]
    assert len(tokens) > 3
    assert "".join(tokens) == whole.content


async def test_a_model_litellm_cannot_route_raises_llm_error() -> None:
    with pytest.raises(LLMError, match="no-such-provider/x"):
        await complete("no-such-provider/x", conversation("x", "y"), [], 50, 5.0)


@pytest.mark.parametrize(
    ("system", "user"),
    [
        ("You watch my inbox.", "Tell me about yourself"),
        ('CALL send_alert {"message": "x"}', "go"),
    ],
)
async def test_complete_streaming_hands_over_text_and_returns_the_whole_completion(
    system: str, user: str
) -> None:
    register_prices({"vigil/offline-stream-priced": (0.001, 0.002)})
    model, messages = "vigil/offline-stream-priced", conversation(system, user)
    pieces: list[str] = []

    async def on_text(text: str) -> None:
        pieces.append(text)

    whole = await complete(model, messages, [ALERT_TOOL], 200, 5.0)
    streamed = await complete_streaming(
        model, messages, [ALERT_TOOL], 200, 5.0, on_text
    )
    assert streamed == whole
    assert "".join(pieces) == whole.content
    assert len(pieces) == len(whole.content.split())
    assert streamed.cost_usd > 0


async def test_a_stream_that_fails_midway_raises_llm_error(
    broken_stream_provider: str,
) -> None:
    pieces: list[str] = []

    async def on_text(text: str) -> None:
        pieces.append(text)

    with pytest.raises(LLMError, match="the connection dropped"):
        await complete_streaming(
            broken_stream_provider, conversation("x", "y"), [], 50, 5.0, on_text
        )
    assert pieces == ["Hello "]
