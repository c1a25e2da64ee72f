"""The tool loop with a token observer: the model is streamed, its text reaches the
observer as it is produced, and tool calls, limits and accounting are those of the
non-streaming loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.llm import OFFLINE_MODEL, register_prices
from agents.loop import Limits, LoopResult, Tool, run_loop
from tests.agents.scripted_stream import ScriptedStream, finish, text, tool_piece
from tests.agents.test_loop import recording_tool

# litellm's pydantic models warn about ReadOnly TypedDict items on first use.
pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")


class Heard:
    """An observer that keeps the events and notes each token in a shared log."""

    def __init__(self, log: list[str] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.log = log if log is not None else []

    async def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event["event"] == "token":
            self.log.append(f"heard: {event['text']}")

    @property
    def tokens(self) -> list[str]:
        return [e["text"] for e in self.events if e["event"] == "token"]

    @property
    def kinds(self) -> list[str]:
        return [e["event"] for e in self.events]


async def test_the_observer_hears_each_token_before_the_model_stream_ends(
    scripted: ScriptedStream,
) -> None:
    register_prices({"streamtest/priced": (0.001, 0.002)})
    scripted.steps = [[*text("Pump 1 reads 4.2 mm/s."), finish("stop", 12, 5)]]
    heard = Heard(scripted.log)
    result = await run_loop("streamtest/priced", "s", "u", [], observer=heard)
    assert scripted.log == [
        "model: Pump ",
        "heard: Pump ",
        "model: 1 ",
        "heard: 1 ",
        "model: reads ",
        "heard: reads ",
        "model: 4.2 ",
        "heard: 4.2 ",
        "model: mm/s.",
        "heard: mm/s.",
        "model: finish",
        "model: end",
    ]
    assert result.answer == "Pump 1 reads 4.2 mm/s."
    assert (result.prompt_tokens, result.completion_tokens) == (12, 5)
    assert result.cost_usd == pytest.approx(12 * 0.001 + 5 * 0.002)


async def test_first_token_arrives_while_a_slow_model_is_still_writing(
    scripted: ScriptedStream,
) -> None:
    words = [chunk for word in text("one two three four five") for chunk in (word, 0.1)]
    scripted.steps = [[*words, finish("stop", 3, 5)]]
    clock = asyncio.get_running_loop().time
    first: float | None = None

    async def observer(event: dict[str, Any]) -> None:
        nonlocal first
        first = clock() if first is None else first

    result = await run_loop("streamtest/slow", "s", "u", [], observer=observer)
    assert first is not None
    # Four more words, 0.1 s apart, were written after the first was heard.
    assert clock() - first >= 0.35
    assert result.answer == "one two three four five"


async def test_a_streamed_step_text_precedes_its_tool_calls_and_steps_are_apart(
    scripted: ScriptedStream,
) -> None:
    alert, seen = recording_tool()
    scripted.steps = [
        [
            *text("Let me check."),
            tool_piece(0, "c1", "send_alert", '{"mess'),
            tool_piece(0, None, None, 'age": "m"}'),
            finish("tool_calls", 10, 8),
        ],
        [*text("Sent."), finish("stop", 20, 1)],
    ]
    heard = Heard()
    result = await run_loop("streamtest/m", "s", "u", [alert], observer=heard)
    assert seen == [{"message": "m"}]
    assert (
        heard.kinds
        == ["token"] * 3 + ["thinking", "tool_result", "thinking"] + ["token"] * 2
    )
    assert heard.tokens == ["Let ", "me ", "check.", "\n\n", "Sent."]
    assert result.answer == "Sent."
    assert [(c.tool, c.arguments, c.ok) for c in result.calls] == [
        ("send_alert", {"message": "m"}, True)
    ]
    assert (result.prompt_tokens, result.completion_tokens) == (30, 9)


async def test_streamed_arguments_that_are_not_json_are_refused(
    scripted: ScriptedStream,
) -> None:
    alert, seen = recording_tool()
    scripted.steps = [
        [
            tool_piece(0, "c1", "send_alert", "{oo"),
            tool_piece(0, None, None, "ps"),
            tool_piece(1, "c2", "format_disk", "{}"),
            finish("tool_calls", 10, 8),
        ],
        [*text("ok"), finish("stop", 20, 1)],
    ]
    result = await run_loop("streamtest/m", "s", "u", [alert], observer=Heard())
    assert seen == []
    assert [(c.tool, c.ok, c.result) for c in result.calls] == [
        ("send_alert", False, "error: arguments are not a JSON object: {oops"),
        ("format_disk", False, "error: unknown tool 'format_disk'"),
    ]


async def test_a_timeout_mid_stream_keeps_what_was_said(
    scripted: ScriptedStream,
) -> None:
    scripted.steps = [[*text("Half an"), 30.0, *text("answer"), finish("stop", 1, 3)]]
    heard = Heard()
    limits = Limits(timeout_s=0.5)
    result = await run_loop("streamtest/m", "s", "u", [], limits, observer=heard)
    assert result.stopped == "time"
    assert result.answer == "Half an" == "".join(heard.tokens)


def offline_tools() -> tuple[list[Tool], list[dict[str, Any]]]:
    """send_alert, recording its calls."""
    alert, seen = recording_tool()
    return [alert], seen


SCRIPT = "\n".join(
    [
        'CALL send_alert {"message": "disk full", "severity": "critical"}',
        'CALL send_alert {"message": "x", "severity": "apocalyptic"}',
        "CALL send_alert {}",
    ]
)


async def test_offline_tool_calls_run_as_in_the_non_streaming_path() -> None:
    tools, seen = offline_tools()
    whole = await run_loop(OFFLINE_MODEL, SCRIPT, "go", tools)
    heard = Heard()
    streamed = await run_loop(OFFLINE_MODEL, SCRIPT, "go", tools, observer=heard)
    assert streamed == whole
    assert [c.ok for c in streamed.calls] == [True, False, False]
    assert seen == [{"message": "disk full", "severity": "critical"}] * 2
    assert heard.kinds[:9] == ["thinking", "tool_result", "thinking"] * 3
    assert len(heard.tokens) > 5
    assert "".join(heard.tokens) == streamed.answer


@pytest.mark.parametrize(
    ("limits", "stopped"),
    [(Limits(max_steps=3), "steps"), (Limits(max_steps=50, max_tokens=40), "tokens")],
)
async def test_streaming_runs_stop_at_the_same_limits(
    limits: Limits, stopped: str
) -> None:
    system = 'ALWAYS CALL send_alert {"message": "again"}'
    runs: list[LoopResult] = []
    for observer in (None, Heard()):
        tools, _ = offline_tools()
        runs.append(
            await run_loop(
                OFFLINE_MODEL, system, "go", tools, limits, observer=observer
            )
        )
    whole, streamed = runs
    assert streamed == whole
    assert streamed.stopped == stopped


async def test_streamed_steps_are_counted_and_priced_like_whole_ones() -> None:
    model = "vigil/offline-streamed-priced"
    register_prices({model: (0.001, 0.002)})
    tools, _ = offline_tools()
    whole = await run_loop(model, SCRIPT, "go", tools)
    streamed = await run_loop(model, SCRIPT, "go", tools, observer=Heard())
    expected = streamed.prompt_tokens * 0.001 + streamed.completion_tokens * 0.002
    assert streamed.prompt_tokens > 0 and streamed.completion_tokens > 0
    assert streamed.cost_usd == pytest.approx(expected)
    assert (streamed.prompt_tokens, streamed.completion_tokens) == (
        whole.prompt_tokens,
        whole.completion_tokens,
    )
    assert streamed.cost_usd == pytest.approx(whole.cost_usd)
