"""Session fixtures: one real Tansu broker and one chDB directory for the run."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.broker import TansuBroker
from infra.settings import Settings


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A real Tansu broker for the whole session."""
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with TansuBroker(os.environ.get("VIGIL_TANSU_BIN", ""), log_file=log) as b:
        yield b


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's data directory; chDB allows one directory per process."""
    return tmp_path_factory.mktemp("vigil")


@pytest.fixture
def make_settings(broker: TansuBroker, data_dir: Path) -> Callable[..., Settings]:
    """Settings isolated by topic prefix and ClickHouse database."""

    def make(**overrides: Any) -> Settings:
        tag = uuid.uuid4().hex[:10]
        base: dict[str, Any] = {
            "data_dir": data_dir,
            "kafka_bootstrap": broker.bootstrap,
            "topic_prefix": f"t{tag}.",
            "clickhouse_database": f"t_{tag}",
            "consumer_group_prefix": f"g{tag}",
            "rebalance_timeout_s": 1.0,
            "projection_flush_ms": 50,
            "faust_enabled": False,
            "ai_warm": False,
        }
        base.update(overrides)
        return Settings.from_env({}, **base)

    return make


@pytest.fixture
async def platform(make_settings: Callable[..., Settings]) -> AsyncIterator[Any]:
    """A started platform (no Faust) on fresh topics and a fresh database."""
    from infra.stack import Platform

    p = Platform(make_settings())
    await p.start()
    yield p
    await p.stop()


def unique(prefix: str = "x") -> str:
    """A short unique string for ids and keys."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
