"""vigil dev's embedded broker: a documented default port, a setting, and a clear
answer when the port is taken."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import InfraError
from infra.broker import TansuBroker, free_port, port_taken
from infra.settings import Settings
from infra.topology import start_broker


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _restored_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """start_broker exports the bootstrap (and ack mode) to its children: undo it."""
    for name in ("VIGIL_KAFKA_BOOTSTRAP", "VIGIL_ACK_AFTER", "VIGIL_BROKER_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_port_is_9092() -> None:
    assert Settings.from_env({}).broker_port == 9092


def test_port_taken_tells_a_held_port_from_a_free_one(held_port: int) -> None:
    assert port_taken("127.0.0.1", held_port)
    assert not port_taken("127.0.0.1", free_port())


def test_the_broker_listens_on_the_configured_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("VIGIL_BROKER_PORT", str(port))
    broker = start_broker(Settings.from_env(data_dir=tmp_path))
    try:
        assert broker.bootstrap == f"127.0.0.1:{port}"
        socket.create_connection(("127.0.0.1", port), 1).close()
    finally:
        broker.stop()


def test_a_taken_default_falls_back_and_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    held_port: int,
) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path, broker_port=held_port)
    broker = start_broker(settings)
    try:
        assert broker.port != held_port
        assert f"port {held_port} is taken" in capsys.readouterr().out
    finally:
        broker.stop()


def test_a_taken_port_that_was_asked_for_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held_port: int
) -> None:
    monkeypatch.setenv("VIGIL_BROKER_PORT", str(held_port))
    with pytest.raises(InfraError, match="VIGIL_BROKER_PORT"):
        start_broker(Settings.from_env(data_dir=tmp_path))


def test_a_broker_left_running_is_adopted_by_the_next_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """vigil dev's broker is detached and recorded: a kill -9 of vigil dev leaves it
    with its topics, and the next start on the same data directory uses it."""
    settings = Settings.from_env({}, data_dir=tmp_path, broker_port=0)
    first = start_broker(settings)
    try:
        record = tmp_path / "tansu.json"
        assert record.exists() and first.pid is not None
        # vigil dev killed: nobody stops the broker; the next start finds it.
        second = start_broker(settings)
        assert (second.pid, second.bootstrap) == (first.pid, first.bootstrap)
        assert "outlived the last vigil dev" in capsys.readouterr().out
        assert second.stop()  # a normal stop ends it and its record
        assert not record.exists() and not first.running
    finally:
        first.stop()


def test_a_stale_record_is_not_adopted(tmp_path: Path) -> None:
    record = tmp_path / "tansu.json"
    record.write_text(json.dumps({"pid": os.getpid(), "host": "127.0.0.1", "port": 1}))
    assert TansuBroker.adopt(record) is None  # a live pid that is no broker
    assert not record.exists()
    record.write_text("not json")
    assert TansuBroker.adopt(record) is None
    assert not record.exists()
