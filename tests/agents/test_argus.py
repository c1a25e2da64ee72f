"""Argus's turn as events, on a scripted streaming model: tokens as the model writes
them, `done` with their text, the exchange stored; a failing model says sorry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

import agents.argus
from agents.argus import SORRY, Argus, ArgusConfig
from agents.argus_tools import ArgusToolBox, ArgusTurn
from agents.llm import OFFLINE_MODEL
from agents.loop import Limits
from domain.context import Context
from domain.entity_state import EntityState
from tests.agents.scripted_stream import ScriptedStream, finish, text

# litellm's pydantic models warn about ReadOnly TypedDict items on first use.
pytestmark = pytest.mark.filterwarnings("ignore:.*ReadOnly. qualifier:UserWarning")

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class StoredFacts:
    """A fact log that keeps what it is given."""

    def __init__(self) -> None:
        self.facts: list[Any] = []

    async def append_all(self, facts: Sequence[Any], **_: Any) -> list[Any]:
        self.facts += facts
        return list(facts)


def argus(facts: StoredFacts) -> Argus:
    """Argus on `streamtest/argus` for an org with no entities."""
    box = ArgusToolBox(EntityState(), None, None, lambda: "id-1")  # type: ignore[arg-type]
    config = ArgusConfig("streamtest/argus", OFFLINE_MODEL, Limits(timeout_s=5.0))
    return Argus(box, facts, config, lambda: NOW)  # type: ignore[arg-type]


async def turn_events(
    facts: StoredFacts, log: list[str], monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """One turn's events, each noted in `log` as the client would read it."""
    monkeypatch.setattr(agents.argus, "resolve_model", lambda model, _: model)
    turn = ArgusTurn(Context("org-1", NOW, "user-1"), {})
    events = []
    async for event in argus(facts).turn(turn, "How is Pump 1?", None, []):
        log.append(f"read: {event['event']}")
        events.append(event)
    return events


async def test_tokens_are_read_while_the_model_writes_and_done_joins_them(
    scripted: ScriptedStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = [item for word in text("Pump 1 runs fine.") for item in (word, 0.01)]
    scripted.steps = [[*words, finish("stop", 20, 4)]]
    facts = StoredFacts()
    events = await turn_events(facts, scripted.log, monkeypatch)
    assert scripted.log.index("read: token") < scripted.log.index("model: end")
    assert [e["event"] for e in events] == ["token"] * 4 + ["done"]
    assert events[-1]["content"] == "Pump 1 runs fine."
    asked, answered = facts.facts
    assert (asked.content, answered.content) == ("How is Pump 1?", "Pump 1 runs fine.")
    assert (answered.prompt_tokens, answered.completion_tokens) == (20, 4)


async def test_a_model_failing_mid_stream_ends_with_sorry_after_what_it_said(
    scripted: ScriptedStream, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted.steps = [[*text("Pump 1"), ConnectionResetError("dropped")]]
    facts = StoredFacts()
    events = await turn_events(facts, [], monkeypatch)
    tokens = [e["text"] for e in events if e["event"] == "token"]
    assert tokens == ["Pump ", "1", "\n\n" + SORRY]
    assert events[-1]["content"] == "".join(tokens) == facts.facts[1].content
