"""Errors gunicorn answers itself, before the app sees a request, are the API's JSON
error object; a half-sent body gets 408 JSON and its connection closed. Against a
real ``vigil api`` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from infra.broker import TansuBroker, free_port

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def server(
    broker: TansuBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    """A ``vigil api`` (from this checkout) on the session broker; yields its port."""
    data, port, tag = tmp_path_factory.mktemp("api"), free_port(), uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_KAFKA_BOOTSTRAP=broker.bootstrap,
        VIGIL_TOPIC_PREFIX=f"p{tag}.",
        VIGIL_CONSUMER_GROUP_PREFIX=f"p{tag}",
        VIGIL_REBALANCE_TIMEOUT_S="1",
        VIGIL_FAUST_ENABLED="false",
        VIGIL_INBOX_ENABLED="false",
        VIGIL_AI_WARM="false",
        VIGIL_BODY_TIMEOUT_S="1",
    )
    log = (data / "api.log").open("a")  # a file: a full pipe blocks the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "infra.cli", "api", "--port", str(port)]
        + ["--data-dir", str(data)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        _wait_healthy(port, proc, data / "api.log")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"vigil api did not come up:\n{log.read_text()}")


def _exchange(port: int, request: bytes, pause_s: float = 0) -> tuple[bytes, float]:
    """Send raw bytes, read until the server closes; the answer and how long the
    server kept the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        started = time.monotonic()
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer, time.monotonic() - started


def _parse(answer: bytes) -> tuple[int, dict[str, str], object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, orjson.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (
            b"GET /api/v1/devices/?q=" + b"a" * 8200 + b" HTTP/1.1\r\nHost: v\r\n\r\n",
            414,
        ),
        (b"GET / HTTP/1.1\r\nHost: v\r\nX-Big: " + b"b" * 10_000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: v\r\nno colon here\r\n\r\n", 400),
        (b"GET /\x01 HTTP/1.1\r\nHost: v\r\n\r\n", 400),
    ],
    ids=["long-url", "big-header", "malformed-header", "malformed-request-line"],
)
def test_protocol_errors_are_json(
    server: int, request_bytes: bytes, status: int
) -> None:
    answer, _ = _exchange(server, request_bytes)
    code, headers, body = _parse(answer)
    assert code == status, answer[:300]
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["connection"] == "close"
    assert isinstance(body, dict) and set(body) == {"error"} and body["error"]


def test_half_sent_body_is_408_json_and_the_connection_closes(server: int) -> None:
    request = (
        b"POST /api/auth/login HTTP/1.1\r\nHost: v\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        b'{"email": '
    )
    answer, held_s = _exchange(server, request)
    code, headers, body = _parse(answer)
    assert code == 408, answer
    assert body == {"error": "request body not received within 1 s"}
    assert headers["connection"] == "close"
    assert held_s < 10  # closed by the server, not by our socket timeout
