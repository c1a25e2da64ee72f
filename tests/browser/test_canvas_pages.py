"""Canvas dashboards in the console, and the public share page in an iframe of another
origin.

These need the Canvas API (``/api/v1/canvas/``, its ``share/`` and the public page
``/api/v1/canvas/public/<token>/``), built separately: until it is merged, every
test here fails (404 from ``/api/v1/canvas/``)."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bench.devserver import DevServer
from infra.broker import free_port
from tests.browser.conftest import Account
from tests.browser.helpers import (
    assert_clean_console,
    chart_points,
    shoot,
    sign_in,
    text_appears,
    visible,
    wait,
)

REVOKED_WORDS = ("revoked", "no longer", "not found", "expired", "unknown")


def panel(
    kind: str,
    title: str,
    ids: list[str],
    x: int,
    y: int,
    w: int,
    h: int,
    **options: Any,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "title": title,
        "binding_ids": ids,
        "field_ids": [],
        "options": options,
        "layout": {"x": x, "y": y, "w": w, "h": h},
    }


def make_dashboard(account: Account) -> dict[str, Any]:
    """A dashboard with one panel of each type, made through the API."""
    b = account.fleet.bindings
    panels = [
        panel(
            "timeseries",
            "Pump temperatures",
            [b["Pump 1/temperature"], b["Pump 2/temperature"]],
            0,
            0,
            8,
            4,
        ),
        panel("stat", "Boiler pressure", [b["Boiler feed/pressure"]], 8, 0, 4, 2),
        panel(
            "gauge",
            "Floor 2 CO2",
            [b["Floor 2 climate/co2"]],
            8,
            2,
            4,
            2,
            min=400,
            max=1500,
        ),
        panel(
            "table",
            "Pump vibration",
            [b["Pump 1/vibration"], b["Pump 2/vibration"]],
            0,
            4,
            6,
            3,
        ),
        panel("alerts", "Active alerts", [], 6, 4, 6, 3),
    ]
    body = {"name": "Pump station 3", "description": "Live overview", "panels": panels}
    return account.api.post("/api/v1/canvas/", body)


def share(account: Account, dashboard_id: str) -> str:
    """The public URL of a new share of the dashboard."""
    answer = account.api.post(f"/api/v1/canvas/{dashboard_id}/share/", {})
    assert answer["token"] and answer["url"]
    return str(answer["url"])


@pytest.fixture
def foreign_origin(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static web server on another port (another origin) and its directory."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", tmp_path
    httpd.shutdown()
    httpd.server_close()


def wait_for_panels(browser: Any) -> None:
    """Every panel rendered: the chart drawn, no panel still loading."""
    wait(browser).until(
        lambda d: any(chart_points(d, '[data-panel-type="timeseries"] .panel-body'))
    )
    wait(browser).until(
        lambda d: not d.find_elements(By.XPATH, "//*[text()='Loading…']")
    )


def test_canvas_list_shows_the_dashboards(
    browser: Any, server: DevServer, account: Account
) -> None:
    made = make_dashboard(account)
    sign_in(browser, server.base, account.email, account.password, "/canvas")
    text_appears(browser, f'[data-dashboard-id="{made["id"]}"]', "Pump station 3")
    assert_clean_console(browser)


def test_dashboard_view_renders_every_panel_type(
    browser: Any, server: DevServer, account: Account, screenshots: Path
) -> None:
    made = make_dashboard(account)
    sign_in(
        browser, server.base, account.email, account.password, f"/canvas/{made['id']}"
    )
    wait_for_panels(browser)
    text_appears(browser, "#page-title", "Pump station 3")
    stat = browser.find_element(By.CSS_SELECTOR, '[data-panel-type="stat"] .value')
    assert any(ch.isdigit() for ch in stat.text)
    fill = browser.find_element(By.CSS_SELECTOR, ".gauge-fill")
    assert float(fill.value_of_css_property("width").removesuffix("px")) > 0
    rows = browser.find_elements(By.CSS_SELECTOR, '[data-panel-type="table"] tbody tr')
    assert len(rows) == 2
    shoot(browser, screenshots, "dashboard")
    assert_clean_console(browser)


def test_dashboard_is_created_arranged_and_saved_in_the_console(
    browser: Any, server: DevServer, account: Account
) -> None:
    binding = account.fleet.bindings["Pump 1/temperature"]
    sign_in(browser, server.base, account.email, account.password, "/canvas")
    form = visible(browser, "#dashboard-form")
    form.find_element(By.NAME, "name").send_keys("Made in the console")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(lambda d: "edit=1" in d.current_url)
    dashboard_id = browser.current_url.split("/canvas/")[1].split("?")[0]
    visible(browser, "#add-panel").click()
    row = visible(browser, ".panel-row")
    Select(row.find_element(By.CSS_SELECTOR, '[data-key="type"]')).select_by_value(
        "timeseries"
    )
    row.find_element(By.CSS_SELECTOR, '[data-key="title"]').send_keys("Pump 1")
    Select(row.find_element(By.CSS_SELECTOR, '[data-key="series"]')).select_by_value(
        binding
    )
    width = row.find_element(By.CSS_SELECTOR, '[data-layout="w"]')
    width.clear()
    width.send_keys("12")
    browser.find_element(By.CSS_SELECTOR, "#editor-form button[type=submit]").click()
    wait(browser).until(lambda d: not d.find_element(By.ID, "editor").is_displayed())
    wait_for_panels(browser)
    saved = account.api.get(f"/api/v1/canvas/{dashboard_id}/")
    (only,) = saved["panels"]
    assert only["binding_ids"] == [binding] and only["layout"]["w"] == 12
    assert_clean_console(browser)


def test_share_link_renders_inside_an_iframe_of_another_origin(
    browser: Any,
    server: DevServer,
    account: Account,
    foreign_origin: tuple[str, Path],
    screenshots: Path,
) -> None:
    made = make_dashboard(account)
    sign_in(
        browser, server.base, account.email, account.password, f"/canvas/{made['id']}"
    )
    visible(browser, "#share-toggle").click()
    visible(browser, "#share-body button.primary").click()
    url = visible(browser, "#share-url").text
    assert url.startswith(server.base)
    assert_clean_console(browser)
    origin, directory = foreign_origin
    (directory / "portal.html").write_text(
        '<!doctype html><title>Portal</title><link rel="icon" href="data:,">'
        "<h1>Partner portal</h1>"
        f'<iframe id="embed" src="{url}" width="1200" height="700"></iframe>'
    )
    browser.get(f"{origin}/portal.html")
    browser.switch_to.frame(visible(browser, "#embed"))
    wait_for_panels(browser)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".panel[data-panel-id]")) == 5
    browser.switch_to.default_content()
    shoot(browser, screenshots, "public-dashboard-iframe")
    assert_clean_console(browser)


def test_revoked_share_shows_a_clear_error(
    browser: Any, server: DevServer, account: Account
) -> None:
    made = make_dashboard(account)
    url = share(account, made["id"])
    public = url if url.startswith("http") else server.base + url
    browser.get(public)
    wait_for_panels(browser)
    r = account.api.http.delete(f"/api/v1/canvas/{made['id']}/share/")
    assert r.status_code == 204
    browser.get(public)
    text = visible(browser, "body").text.lower()
    assert any(word in text for word in REVOKED_WORDS), text
