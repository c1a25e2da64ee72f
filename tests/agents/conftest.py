"""litellm is set up on first use of agents.llm; tests that call litellm itself
(the offline provider through litellm.acompletion) need it set up first.

agents.llm is imported before anything that imports litellm: it selects the local
cost map, without which litellm downloads one at import."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agents.llm import warm
from tests.agents.scripted_stream import ScriptedStream, serving


@pytest.fixture(autouse=True, scope="session")
def litellm_ready() -> None:
    warm()


@pytest.fixture
def scripted() -> Iterator[ScriptedStream]:
    """Serve `streamtest/...` with a ScriptedStream for one test."""
    with serving("streamtest", ScriptedStream([])) as provider:
        yield provider
