"""The processes of ``vigil dev``: the same roles as production, on one machine.

* the stream worker (``vigil worker``): owns chDB, runs the projectors and the
  Faust agents, and serves chDB to the API processes on a Unix socket;
* the API processes (gunicorn, ``VIGIL_WORKERS``): validate, produce, serve reads
  through that socket (the remote ClickHouse adapter), fold the entity log and fan
  out the alert stream each on their own.

The worker is restarted if it dies; it dies with ``vigil dev`` (PR_SET_PDEATHSIG),
so a killed ``vigil dev`` never leaves chDB locked for the next start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from infra import InfraError
from infra.broker import die_with_parent
from infra.remote_store import RemoteStore
from infra.settings import Settings

START_TIMEOUT_S = 180.0


def store_socket(settings: Settings) -> Path:
    """Where the stream worker serves chDB."""
    return settings.data_dir / "store.sock"


def api_environment(settings: Settings) -> dict[str, str]:
    """What the API processes need to leave chDB, projectors and Faust to the
    worker."""
    return {
        "VIGIL_CLICKHOUSE_URL": f"unix://{store_socket(settings)}",
        "VIGIL_PROJECTORS_ENABLED": "false",
        "VIGIL_FAUST_ENABLED": "false",
        "VIGIL_INBOX_ENABLED": "false",
    }


class StreamWorker:
    """``vigil worker`` as a child process serving chDB; restarted if it dies."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.socket = store_socket(settings)
        self._proc: subprocess.Popen[bytes] | None = None
        # The worker's environment as it is now: vigil dev then points its own
        # (the API processes') at the worker, which a respawned worker must not
        # inherit (it would try to reach chDB through itself).
        self._env = {**os.environ, "VIGIL_STORE_SOCKET": str(self.socket)}
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None

    def start(self) -> None:
        """Spawn the worker and return once it serves chDB and is ready."""
        self._spawn()
        self.wait_ready()
        self._watchdog = threading.Thread(
            target=self._watch, name="stream-worker-watchdog", daemon=True
        )
        self._watchdog.start()

    def _spawn(self) -> None:
        self._proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "infra.cli", "worker"],
            env=self._env,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - async-signal-safe work
        )

    def wait_ready(self) -> None:
        """Wait until the worker answers on its socket with every check ok."""
        deadline = time.monotonic() + START_TIMEOUT_S
        remote = RemoteStore(str(self.socket), self.settings.clickhouse_database)
        try:
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.poll() is not None:
                    raise InfraError("the stream worker exited while starting")
                if self._ready(remote):
                    return
                time.sleep(0.2)
        finally:
            remote.close()
        raise InfraError("the stream worker did not become ready")

    @staticmethod
    def _ready(remote: RemoteStore) -> bool:
        try:
            checks = remote.readiness()
        except Exception:  # not listening yet
            return False
        return bool(checks) and all(v == "ok" for v in checks.values())

    def _watch(self) -> None:
        while not self._stopping.is_set():
            proc = self._proc
            if proc is not None and proc.poll() is not None:
                print("vigil: stream worker exited; restarting it", flush=True)
                self._spawn()
            time.sleep(0.5)

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the worker gracefully (projections flush), then for good."""
        self._stopping.set()
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def stop_all(worker: StreamWorker | None, broker: Any) -> None:
    """Stop the stream worker (projections flush), then the embedded broker."""
    if worker is not None:
        worker.stop()
        print("vigil: stream worker stopped", flush=True)
    if broker is not None and broker.stop():
        print("vigil: broker stopped", flush=True)


def start_broker(settings: Settings) -> Any:
    """The embedded Tansu broker, unless VIGIL_KAFKA_BOOTSTRAP names a cluster.

    It runs detached, recorded in ``<data dir>/tansu.json``: a ``kill -9`` of
    ``vigil dev``'s process group leaves it running with its topics (in memory),
    consumer offsets and Faust changelogs, and the next ``vigil dev`` on that data
    directory adopts it, so no stream state is lost. ``vigil dev`` stopped
    normally (Ctrl-C, SIGTERM) stops it."""
    if settings.kafka_bootstrap:
        return None
    from infra.broker import TansuBroker, port_taken

    record = settings.data_dir / "tansu.json"
    broker = TansuBroker.adopt(record, settings.tansu_bin)
    if broker is not None:
        print(
            f"vigil: the embedded Tansu broker on {broker.bootstrap} (pid "
            f"{broker.pid}) outlived the last vigil dev; using it, topics intact",
            flush=True,
        )
    else:
        port = settings.broker_port
        if port and port_taken("127.0.0.1", port):
            if "VIGIL_BROKER_PORT" in os.environ:
                raise InfraError(
                    f"port {port} (VIGIL_BROKER_PORT) is taken: choose another, or 0"
                )
            print(
                f"vigil: port {port} is taken; the embedded broker uses a free port "
                "(set VIGIL_BROKER_PORT to choose)",
                flush=True,
            )
            port = 0
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        broker = TansuBroker(
            settings.tansu_bin,
            port=port or None,
            log_file=settings.data_dir / "tansu.log",
            record=record,
        ).start()
        print(f"vigil: embedded Tansu broker on {broker.bootstrap}", flush=True)
    os.environ["VIGIL_KAFKA_BOOTSTRAP"] = broker.bootstrap
    # The embedded broker keeps topics in memory: acknowledge a write only once
    # ClickHouse has it, so a crash of any process loses nothing acknowledged.
    os.environ.setdefault("VIGIL_ACK_AFTER", "projection")
    return broker


def start_stream_worker(settings: Settings) -> StreamWorker | None:
    """With embedded chDB: the stream worker owns it, runs projectors and Faust,
    and the API processes reach chDB through it (two processes, two cores)."""
    if settings.clickhouse_url:
        return None  # a ClickHouse server: the API process runs everything
    worker = StreamWorker(settings)
    print("vigil: starting the stream worker (chDB, projectors, Faust)", flush=True)
    worker.start()
    os.environ.update(api_environment(settings))
    return worker
