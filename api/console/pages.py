"""The console's pages: one layout around a body per page, served with a strict
Content-Security-Policy; pages that need a session send a browser without one to
the login page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import quote

import falcon
import falcon.asgi

from api.auth import SESSION_COOKIE, check_origin

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
CHART_ASSETS = (
    '<link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css">\n'
    '<link rel="stylesheet" href="/static/panels.css">\n'
    '<script src="/static/vendor/uplot/uPlot.iife.min.js" defer></script>'
)


@dataclass(frozen=True)
class PageSpec:
    """One page of the console: where it lives, what it says, what it loads."""

    name: str  # its body template (templates/<name>.html) and its nav entry
    path: str
    title: str
    subtitle: str
    charts: bool = False  # loads uPlot and the panel renderer
    session: bool = True  # without a session cookie: redirect to the login page
    layout: str = "layout"


PAGES = (
    PageSpec("login", "/login", "Sign in", "", session=False, layout="bare"),
    PageSpec("devices", "/devices", "Devices", "Live values from every device"),
    PageSpec("explorer", "/explorer", "Explorer", "Series over time", charts=True),
    PageSpec("alerts", "/alerts", "Alerts", "Live alert events"),
    PageSpec("rules", "/rules", "Alert rules", "When an alert fires"),
    PageSpec("prism", "/prism", "Prism fields", "Series computed from others"),
    PageSpec("canvas", "/canvas", "Canvas", "Dashboards of panels"),
    PageSpec(
        "dashboard",
        "/canvas/{dashboard_id}",
        "Dashboard",
        "",
        charts=True,
    ),
    PageSpec("developer", "/developer", "Developer", "API keys and gateway tokens"),
    PageSpec("docs", "/docs", "API reference", "Every endpoint", session=False),
)


def has_session(req: falcon.asgi.Request) -> bool:
    """Whether the browser holds a session cookie (the API checks it on each call)."""
    return bool(req.get_cookie_values(SESSION_COOKIE))


def secure_headers(resp: falcon.asgi.Response) -> None:
    """The headers of every console page."""
    resp.set_header("Content-Security-Policy", CSP)
    resp.set_header("X-Content-Type-Options", "nosniff")
    resp.set_header("Referrer-Policy", "same-origin")
    resp.set_header("Cache-Control", "no-cache")


def to_login(req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
    """303 to the login page, which returns here afterwards."""
    resp.status = falcon.HTTP_303
    resp.location = f"/login?next={quote(req.relative_uri, safe='')}"


def render(spec: PageSpec, session: bool) -> bytes:
    """The page's HTML: its body in its layout, its nav entry marked current."""
    layout = Template((TEMPLATES / f"{spec.layout}.html").read_text())
    script = "dashboard" if spec.name == "dashboard" else spec.name
    page = layout.substitute(
        title=spec.title,
        subtitle=spec.subtitle,
        page=spec.name,
        session="yes" if session else "no",
        head=CHART_ASSETS if spec.charts else "",
        body=(TEMPLATES / f"{spec.name}.html").read_text(),
        script=f"/static/js/{script}.js",
    )
    nav = "canvas" if spec.name == "dashboard" else spec.name
    marker = f'data-nav="{nav}"'
    return page.replace(marker, f'{marker} aria-current="page"').encode()


class Page:
    """``GET`` of one console page (a shell: its script calls the API with the
    session cookie, so the page itself needs no credential)."""

    auth = "none"

    def __init__(self, spec: PageSpec) -> None:
        self.spec = spec
        self.html = {session: render(spec, session) for session in (False, True)}

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, **params: str
    ) -> None:
        session = has_session(req)
        if self.spec.session and not session:
            to_login(req, resp)
            return
        secure_headers(resp)
        resp.content_type = falcon.MEDIA_HTML
        resp.data = self.html[session]


class Home:
    """``GET /``: the devices page with a session, else the login page."""

    auth = "none"

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.status = falcon.HTTP_303
        resp.location = "/devices" if has_session(req) else "/login"


class Logout:
    """``POST /logout``: forget the session cookie (same-origin requests only)."""

    auth = "none"

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        check_origin(req)
        resp.unset_cookie(SESSION_COOKIE, path="/")
        resp.status = falcon.HTTP_204
