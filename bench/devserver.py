"""``vigil dev`` in a subprocess, started as a user starts it, for the benchmarks and
the crash test: readiness, a clean stop, a ``kill -9`` of its whole process group, and
the CPU time and memory of every process of its tree (read from ``/proc``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from infra.broker import free_port

VIGIL = str(Path(sys.executable).with_name("vigil"))
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


class DevServer:
    """``vigil dev --port P --data-dir D``, its output in ``D/vigil-dev.log``.

    Only the ``VIGIL_*`` variables in ``env`` reach it (none of the caller's), so a
    setting in the shell cannot change what is measured by accident. With
    ``own_group`` it leads its own process group, which :meth:`kill_group` kills
    whole, broker included."""

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        port: int | None = None,
        own_group: bool = False,
    ) -> None:
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.own_group = own_group
        self.log_path = data_dir / "vigil-dev.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        """Start the process without waiting for it to be ready."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        env.update(self.env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")  # a file: a pipe nobody reads blocks the server
        self.proc = subprocess.Popen(  # noqa: S603 - our own entry point
            [VIGIL, "dev", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=self.own_group,
        )
        log.close()

    def start(self, timeout_s: float = 120.0) -> float:
        """Start and wait until ``/readyz`` answers 200; the seconds that took."""
        t = time.perf_counter()
        self.launch()
        self.wait_ready(timeout_s)
        return time.perf_counter() - t

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Return once ``/readyz`` answers 200; RuntimeError (with the log) if the
        process exits or the time runs out."""
        assert self.proc is not None  # noqa: S101 - launched first
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vigil dev exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"vigil dev did not become ready:\n{self.log()}")

    def stop(self) -> int | None:
        """Ctrl-C, as a user stops it; its exit status (None if never started)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.kill_broker()
            return self.proc.wait()

    def kill_group(self, broker: bool = False) -> None:
        """SIGKILL every process of its group at once (needs ``own_group``). The
        embedded broker runs detached and survives that, as it survives a real
        crash (the next start adopts it), unless ``broker``."""
        assert self.proc is not None and self.own_group  # noqa: S101
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        if broker:
            self.kill_broker()

    def broker_pid(self) -> int | None:
        """The embedded broker's pid, from the record ``vigil dev`` keeps."""
        try:
            return int(json.loads((self.data_dir / "tansu.json").read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def kill_broker(self) -> None:
        """SIGKILL the embedded broker (its topics are gone with it)."""
        pid = self.broker_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def processes(self) -> dict[int, str]:
        """Every process of its tree, by pid, with a name saying what it is."""
        assert self.proc is not None  # noqa: S101
        return {pid: process_name(pid, self.proc.pid) for pid in tree(self.proc.pid)}

    def rss_mib(self) -> float:
        """Resident memory of the process and all its descendants."""
        assert self.proc is not None  # noqa: S101
        return sum(vm_rss_kib(p) for p in tree(self.proc.pid)) / 1024


def tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def process_name(pid: int, root: int) -> str:
    """What a process of the ``vigil dev`` tree is: the gunicorn master (``vigil
    dev`` itself), an API worker, the stream worker (chDB, projectors, Faust) or
    the broker."""
    if pid == root:
        return "vigil dev (gunicorn master)"
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"pid {pid}"
    exe = args[0].decode()
    if "tansu" in exe:
        return "tansu (broker)"
    if b"worker" in args and b"infra.cli" in args:
        return f"stream worker {pid} (chDB, projectors, Faust)"
    if "python" in exe or exe.endswith("vigil"):
        return f"API worker {pid} (gunicorn)"
    return Path(exe).name


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads); 0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def vm_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
