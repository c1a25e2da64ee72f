"""The public page of a shared dashboard: HTML from the console's templates, with
headers that let any allowed site frame it and run nothing but our own scripts.

The page carries the dashboard in ``<script type="application/json"
id="dashboard">`` (data, never executed, so no inline script is needed) and loads
``/static/canvas-public.js``, which draws the panels.
"""

from __future__ import annotations

import html
import string
from importlib import resources
from typing import Any

import falcon
import falcon.asgi
import orjson

HTML = "text/html; charset=utf-8"
PANEL = string.Template(
    '<section class="panel panel-$type" id="panel-$id" data-panel-id="$id" '
    'data-panel-type="$type" data-x="$x" data-y="$y" data-w="$w" data-h="$h">\n'
    '<h2 class="panel-title">$title</h2>\n<div class="panel-body"></div>\n'
    "</section>"
)
# Characters that could end the JSON data block early, as JSON escapes.
_JSON_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


class PageError(ValueError):
    """A setting that cannot go into the page's security policy."""


def _template(name: str) -> string.Template:
    text = (resources.files("api.console") / "templates" / name).read_text("utf-8")
    return string.Template(text)


def content_security_policy(frame_ancestors: str) -> str:
    """The page's CSP: our own scripts, styles and fetches only, framed by
    ``frame_ancestors`` (CSP source expressions, space- or comma-separated)."""
    sources = frame_ancestors.replace(",", " ").split()
    if not sources or any(c in s for s in sources for c in ';"\r\n'):
        raise PageError(f"VIGIL_CANVAS_FRAME_ANCESTORS={frame_ancestors!r}")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {' '.join(sources)}"
    )


def _escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _panel_html(panel: dict[str, Any]) -> str:
    layout = panel["layout"]
    fields = {k: panel[k] for k in ("id", "type", "title")} | layout
    return PANEL.substitute({k: _escape(v) for k, v in fields.items()})


def data_block(view: dict[str, Any]) -> str:
    """The dashboard as JSON that cannot close its ``<script>`` element."""
    return orjson.dumps(view).decode().translate(_JSON_IN_HTML)


class PublicPages:
    """Renders the shared dashboard page and its error pages, with the headers."""

    def __init__(self, frame_ancestors: str) -> None:
        self.policy = content_security_policy(frame_ancestors)
        self.page = _template("public_dashboard.html")
        self.error = _template("public_error.html")

    def dashboard(self, resp: falcon.asgi.Response, view: dict[str, Any]) -> None:
        """200 with the page of a public dashboard view."""
        text = self.page.substitute(
            title=_escape(view["name"]),
            description=_escape(view["description"]),
            query_url=_escape(view["query_url"]),
            alerts_url=_escape(view["alerts_url"]),
            updated_at=_escape(view["updated_at"]),
            panels="\n".join(_panel_html(p) for p in view["panels"]),
            dashboard_json=data_block(view),
        )
        self._send(resp, falcon.HTTP_200, text)

    def failure(self, resp: falcon.asgi.Response, ex: falcon.HTTPError) -> None:
        """An HTML page for a refused request (unknown link, rate limit...)."""
        title, message = "Not available", ex.description or ex.title
        if ex.status_code == 404:
            title = "This dashboard is no longer shared"
            message = "Ask its owner for a new link."
        elif ex.status_code == 429:
            title = "Too many requests"
            message = "This dashboard is being loaded too often; try again shortly."
        text = self.error.substitute(
            title=_escape(title), message=_escape(message), status=ex.status_code
        )
        self._send(resp, ex.status, text)
        if ex.headers:
            resp.set_headers(ex.headers)  # Retry-After

    def _send(self, resp: falcon.asgi.Response, status: Any, text: str) -> None:
        resp.status = status
        resp.content_type = HTML
        resp.text = text
        resp.set_header("Content-Security-Policy", self.policy)
        resp.set_header("Cache-Control", "no-store")
        resp.set_header("Referrer-Policy", "no-referrer")
        resp.set_header("X-Content-Type-Options", "nosniff")
