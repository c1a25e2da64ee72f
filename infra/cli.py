"""The ``vigil`` command: dev, api, worker, topics, migrate, settings."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra import InfraError
from infra.settings import Settings, describe

if TYPE_CHECKING:  # imported where used: each command loads only what it runs
    from infra.stack import Platform
    from infra.store_server import StoreServer

log = logging.getLogger("vigil")


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    once = RepeatFilter(30.0)
    for noisy in ("aiokafka", "faust", "mode", "kafka", "httpx"):
        logger = logging.getLogger(noisy)
        logger.setLevel(max(logging.WARNING, logging.root.level))
        logger.addFilter(once)


class RepeatFilter(logging.Filter):
    """Let a message through once per ``window_s`` (a lost broker makes aiokafka log
    the same connect error many times a second)."""

    def __init__(self, window_s: float) -> None:
        super().__init__()
        self.window_s = window_s
        self._last: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        if now - self._last.get(key, -self.window_s) < self.window_s:
            return False
        if len(self._last) > 10_000:
            self._last.clear()
        self._last[key] = now
        return True


def _apply_options(args: argparse.Namespace) -> Settings:
    """Turn --host/--port/--data-dir into VIGIL_* variables (workers inherit them)."""
    for option in ("host", "port", "data_dir", "workers"):
        value = getattr(args, option, None)
        if value is not None:
            if option == "data_dir":
                value = Path(value).resolve()
            os.environ[f"VIGIL_{option.upper()}"] = str(value)
    settings = Settings.from_env()
    os.environ["VIGIL_DATA_DIR"] = str(settings.data_dir.resolve())
    return Settings.from_env()


def _serve(settings: Settings) -> int:
    from infra.server import serve

    return serve(settings)


def cmd_dev(args: argparse.Namespace) -> int:
    """Start broker (unless external), the stream worker, and the API processes."""
    from infra.topology import start_broker, start_stream_worker, stop_all

    settings = _apply_options(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    broker = start_broker(settings)
    worker = None
    me = os.getpid()
    try:
        worker = start_stream_worker(Settings.from_env())
        if getattr(args, "demo", False):
            _start_demo(f"http://{settings.host}:{settings.port}")
        print(
            f"vigil: data in {settings.data_dir}, serving on "
            f"http://{settings.host}:{settings.port} (Ctrl-C stops)",
            flush=True,
        )
        return _serve(Settings.from_env())
    finally:
        # A gunicorn worker forked from this process exits through here too: only
        # the process that started the stream worker and the broker stops them.
        if os.getpid() == me:
            stop_all(worker, broker)


def _start_demo(base_url: str) -> None:
    """Run the simulator in the background once the platform is ready."""
    import threading

    from infra.simulate import Simulator, wait_ready

    def run() -> None:
        try:
            wait_ready(base_url)
            sim = Simulator(base_url)
            sim.setup()
            print(
                f"vigil: demo data flowing; log in as {sim.email} / {sim.password}",
                flush=True,
            )
            sim.run(rate=40, progress=None)
        except Exception as ex:  # the demo is optional: say why it stopped
            print(f"vigil: demo simulator stopped: {ex}", file=sys.stderr, flush=True)

    threading.Thread(target=run, name="demo-simulator", daemon=True).start()


def cmd_simulate(args: argparse.Namespace) -> int:
    """Post realistic series as a fleet of gateways to a running Vigil."""
    from infra.simulate import Simulator, console_progress, wait_ready

    wait_ready(args.url, timeout_s=30)
    sim = Simulator(args.url, devices=args.devices)
    sim.setup()
    print(
        f"simulating {args.devices} devices at ~{args.rate:g} measurements/s "
        f"against {args.url} (Ctrl-C stops)",
        flush=True,
    )
    try:
        sim.run(args.rate, duration=args.duration, progress=console_progress)
    except KeyboardInterrupt:
        pass
    print(f"\nsent {sim.sent:,} measurements, {sim.failed} failed requests", flush=True)
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    """Serve the API against an external broker (production)."""
    settings = _apply_options(args)
    if not settings.kafka_bootstrap:
        raise InfraError("vigil api needs VIGIL_KAFKA_BOOTSTRAP (vigil dev embeds one)")
    return _serve(settings)


def cmd_worker(args: argparse.Namespace) -> int:
    """Run projectors and Faust agents without the API (scale by partitions)."""
    settings = _apply_options(args)
    if not settings.kafka_bootstrap:
        raise InfraError("vigil worker needs VIGIL_KAFKA_BOOTSTRAP")
    from infra.stack import Platform

    async def run() -> None:
        platform = Platform(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await platform.start()
        server = await _serve_store(settings, platform)
        print("vigil: worker running (Ctrl-C stops)", flush=True)
        await stop.wait()
        if server is not None:
            await server.stop()
        await platform.stop()

    asyncio.run(run())
    return 0


async def _serve_store(settings: Settings, platform: Platform) -> StoreServer | None:
    """With VIGIL_STORE_SOCKET, serve this worker's chDB to the API processes."""
    if not settings.store_socket:
        return None
    from infra.chdb_store import ChdbStore
    from infra.store_server import StoreServer

    if not isinstance(platform.store.sync, ChdbStore):
        raise InfraError("VIGIL_STORE_SOCKET serves embedded chDB only")
    server = StoreServer(
        platform.store.sync, Path(settings.store_socket), platform.readiness
    )
    await server.start()
    return server


def cmd_topics(args: argparse.Namespace) -> int:
    """Create missing topics and list them."""
    settings = _apply_options(args)
    if not settings.kafka_bootstrap:
        raise InfraError("vigil topics needs VIGIL_KAFKA_BOOTSTRAP")
    from infra.topics import TOPICS, ensure_topics

    ensure_topics(settings)
    for spec in TOPICS:
        parts = spec.partitions or settings.topic_partitions
        print(f"{settings.topic(spec.name)}\tpartitions={parts}\t{spec.configs or ''}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply pending ClickHouse migrations."""
    settings = _apply_options(args)
    from infra.clickhouse import open_store
    from projections.migrations import migrate

    store = open_store(settings)
    try:
        applied = migrate(store)
    finally:
        store.close()
    for m in applied:
        print(f"applied {m.version}: {m.description}")
    print(f"schema up to date ({len(applied)} applied)")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Print every VIGIL_* setting with its default."""
    for name, default, doc in describe():
        print(f"{name}\t{default!r}\t{doc}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, Any] = {
        "dev": cmd_dev,
        "api": cmd_api,
        "worker": cmd_worker,
        "topics": cmd_topics,
        "migrate": cmd_migrate,
        "settings": cmd_settings,
        "simulate": cmd_simulate,
    }
    for name, fn in commands.items():
        p = sub.add_parser(name, help=fn.__doc__, description=fn.__doc__)
        p.set_defaults(fn=fn)
        p.add_argument("--data-dir", help="data directory (VIGIL_DATA_DIR)")
        if name in {"dev", "api"}:
            p.add_argument("--host", help="listen address (VIGIL_HOST)")
            p.add_argument("--port", type=int, help="listen port (VIGIL_PORT)")
        if name == "api":
            p.add_argument(
                "--workers", type=int, help="gunicorn workers (VIGIL_WORKERS)"
            )
        if name == "dev":
            p.add_argument(
                "--demo",
                action="store_true",
                help="also run the gateway simulator (demo site and devices)",
            )
        if name == "simulate":
            p.add_argument("--url", default="http://127.0.0.1:8000")
            p.add_argument("--devices", type=int, default=4)
            p.add_argument(
                "--rate",
                type=float,
                default=100.0,
                help="measurements per second across the fleet",
            )
            p.add_argument("--duration", type=float, help="seconds (default: forever)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vigil`` console script."""
    args = _parser().parse_args(argv)
    _setup_logging(Settings.from_env().log_level)
    try:
        return int(args.fn(args))
    except InfraError as ex:
        print(f"vigil: {ex}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
