"""Run the ASGI app under gunicorn's native ASGI worker (``-k asgi``)."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import orjson
from gunicorn.app.base import BaseApplication
from gunicorn.asgi.protocol import ASGIProtocol
from gunicorn.workers import gasgi
from gunicorn.workers.gasgi import ASGIWorker

from infra.settings import Settings

# gunicorn's own phrases where Python's differ (414 before Python 3.13).
REASONS = {414: "URI Too Long", 413: "Payload Too Large"}
MAX_DETAIL = 200


class JsonErrorProtocol(ASGIProtocol):  # type: ignore[misc]
    """gunicorn's HTTP protocol, but the errors it answers itself, before the app
    sees a request (URL over the request-line limit 414, a header too large or too
    many 431, a malformed request line or header 400, an app that never answered
    500), are the API's JSON error object, not text/plain."""

    def _send_error_response(
        self, status: int, message: str, extra_headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Write ``{"error": message}`` with the status; the connection closes."""
        body = orjson.dumps({"error": (message or reason(status))[:MAX_DETAIL]})
        extra = "".join(f"{name}: {value}\r\n" for name, value in extra_headers)
        head = (
            f"HTTP/1.1 {status} {reason(status)}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Cache-Control: no-store\r\n"
            f"{extra}"
            "Connection: close\r\n\r\n"
        )
        self._safe_write(head.encode("latin-1") + body)


def reason(status: int) -> str:
    """The status line's reason phrase."""
    try:
        return REASONS.get(status) or HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class VigilWorker(ASGIWorker):  # type: ignore[misc]
    """gunicorn's ASGI worker, but Ctrl-C (SIGINT, and the master's SIGQUIT) also
    shuts down gracefully: projections flush and the ASGI lifespan shutdown runs;
    and its connections speak :class:`JsonErrorProtocol`.

    gunicorn waits for open connections before the lifespan shutdown; live SSE
    streams never finish on their own, so they are ended first (clients reconnect
    elsewhere with Last-Event-ID)."""

    def init_process(self) -> None:
        # The worker builds its servers with ``lambda: ASGIProtocol(self)``, the
        # name looked up in its module when serving starts: this worker process
        # (forked, serving only Vigil) has it name our protocol.
        gasgi.ASGIProtocol = JsonErrorProtocol
        super().init_process()

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
