"""Mount the console: its pages, sign-out and the static files, in one call."""

from __future__ import annotations

from typing import Any

import falcon.asgi

from api.console.assets import add_static
from api.console.pages import PAGES, Home, Logout, Page


def add_console_routes(app: falcon.asgi.App[Any, Any]) -> None:
    """Serve the console at ``/`` next to the API."""
    add_static(app)
    app.add_route("/", Home())
    app.add_route("/logout", Logout())
    for spec in PAGES:
        app.add_route(spec.path, Page(spec))
