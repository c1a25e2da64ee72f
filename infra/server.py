"""Run the ASGI app under gunicorn's native ASGI worker (``-k asgi``)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gasgi import ASGIWorker

from infra.settings import Settings


class VigilWorker(ASGIWorker):  # type: ignore[misc]
    """gunicorn's ASGI worker, but Ctrl-C (SIGINT, and the master's SIGQUIT) also
    shuts down gracefully: projections flush and the ASGI lifespan shutdown runs.

    gunicorn waits for open connections before the lifespan shutdown; live SSE
    streams never finish on their own, so they are ended first (clients reconnect
    elsewhere with Last-Event-ID)."""

    def handle_quit_signal(self) -> None:
        self.handle_exit_signal()

    def handle_exit_signal(self) -> None:
        super().handle_exit_signal()
        end_streams = getattr(self.asgi, "end_streams", None)
        if end_streams is not None:
            end_streams()


class VigilServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured in code; each worker imports ``api.asgi:app``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": self.settings.workers,
            "worker_class": "infra.server.VigilWorker",
            "asgi_lifespan": "on",
            "timeout": 180,  # startup (rehydration, first group join) can be slow
            "graceful_timeout": 30,
            "loglevel": self.settings.log_level,
            "accesslog": None,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from api.asgi import app

        return app


def serve(settings: Settings) -> int:
    """Serve until interrupted; return gunicorn's exit status."""
    VigilServer(settings).run()
    return 0
