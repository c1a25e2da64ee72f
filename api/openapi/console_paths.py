"""OpenAPI path items of the web console: its HTML pages, sign-out and the static
files they load."""

from __future__ import annotations

from typing import Any

from api.console.pages import PAGES, PageSpec

Doc = dict[str, Any]
TAG = "console"
HTML = {"text/html": {"schema": {"type": "string"}}}
TO_LOGIN = {
    "description": "No `vigil_session` cookie: a redirect to `/login?next=<this "
    "page>`. The page itself checks nothing more; its script calls the API with "
    "the cookie and returns to the login page when the session has ended."
}


def page_operation(spec: PageSpec) -> Doc:
    """The GET of one console page."""
    responses: Doc = {
        "200": {"description": f"The {spec.title} page.", "content": HTML}
    }
    if spec.session:
        responses["303"] = TO_LOGIN
    operation: Doc = {
        "summary": f"Console: {spec.title}.",
        "description": "Served with `Content-Security-Policy: default-src 'self'` "
        "(no inline scripts or styles); the page loads its script from `/static/`.",
        "tags": [TAG],
        "security": [],
        "responses": responses,
    }
    if "{dashboard_id}" in spec.path:
        operation["parameters"] = [
            {
                "name": "dashboard_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
            }
        ]
    return operation


CONSOLE_PATHS: Doc = {
    "/": {
        "get": {
            "summary": "Console home: redirects to `/devices` with a session cookie, "
            "else to `/login`.",
            "tags": [TAG],
            "security": [],
            "responses": {"303": {"description": "Redirect (`Location`)."}},
        }
    },
    **{spec.path: {"get": page_operation(spec)} for spec in PAGES},
    "/logout": {
        "post": {
            "summary": "Sign out of the console: clears the `vigil_session` cookie.",
            "description": "Needs an `Origin` (or `Referer`) of this host, like every "
            "cookie-authenticated write.",
            "tags": [TAG],
            "security": [],
            "responses": {
                "204": {"description": "Cookie cleared."},
                "403": {"description": "Missing or foreign Origin."},
            },
        }
    },
    "/favicon.ico": {
        "get": {
            "summary": "The Vigil icon (SVG), for pages that name no icon.",
            "tags": [TAG],
            "security": [],
            "responses": {"200": {"description": "`image/svg+xml`"}},
        }
    },
    "/static/{path}": {
        "get": {
            "summary": "A static file of the console (scripts, styles, the vendored "
            "uPlot with its LICENSE and VERSION).",
            "description": "Public. Content type from the file's extension; "
            "`Cache-Control: no-cache` for Vigil's own files (revalidated by ETag / "
            "Last-Modified, answered 304), `public, max-age=86400` under "
            "`/static/vendor/`. GET and HEAD only; a path outside the directory or a "
            "missing file is a JSON 404.",
            "tags": [TAG],
            "security": [],
            "parameters": [
                {
                    "name": "path",
                    "in": "path",
                    "required": True,
                    "description": "Path below `/static/`, may contain `/`.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": {"description": "The file."},
                "304": {
                    "description": "Not modified (If-None-Match / If-Modified-Since)."
                },
                "404": {"description": 'No such file: `{"error": "..."}`.'},
                "405": {"description": "Not GET or HEAD."},
            },
        }
    },
}
