"""litellm is set up on first use of agents.llm; tests that call litellm itself
(the offline provider through litellm.acompletion) need it set up first."""

from __future__ import annotations

import pytest

from agents.llm import warm


@pytest.fixture(autouse=True, scope="session")
def litellm_ready() -> None:
    warm()
