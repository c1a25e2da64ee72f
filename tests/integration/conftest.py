"""A deployment (``vigil api`` + ``vigil worker`` processes) shared by the stream
tests of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.broker import TansuBroker
from tests.integration.stack import Stack, stack_for


@pytest.fixture(scope="session")
def stack(
    broker: TansuBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    yield from stack_for(broker, tmp_path_factory.mktemp("stack"))
