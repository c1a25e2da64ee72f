"""The console in headless Chromium against ``vigil dev``: sign-in, live devices, the
explorer's chart, alerts pushed over SSE, the other pages, and a clean console."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from bench.devserver import DevServer
from tests.browser.conftest import Account
from tests.browser.helpers import (
    assert_clean_console,
    chart_points,
    path_pixels,
    settled,
    shoot,
    sign_in,
    text_appears,
    visible,
    wait,
)
from tests.browser.seed import wait_for


def test_sign_in_through_the_form_opens_the_devices_page(
    browser: Any, server: DevServer, account: Account, screenshots: Path
) -> None:
    browser.get(server.base + "/")
    wait(browser).until(lambda d: d.current_url.endswith("/login"))
    visible(browser, "#login-form")
    shoot(browser, screenshots, "login")
    sign_in(browser, server.base, account.email, account.password)
    assert browser.current_url == server.base + "/devices"
    text_appears(browser, "#account", account.email)
    assert_clean_console(browser)
    browser.find_element(By.XPATH, "//button[text()='Sign out']").click()
    wait(browser).until(lambda d: d.current_url.endswith("/login"))
    browser.get(server.base + "/devices")
    wait(browser).until(lambda d: "/login?next=%2Fdevices" in d.current_url)


def test_wrong_password_is_refused_in_the_form(
    browser: Any, server: DevServer, account: Account
) -> None:
    browser.get(server.base + "/login")
    visible(browser, "#email").send_keys(account.email)
    browser.find_element(By.ID, "password").send_keys("not-the-password")
    browser.find_element(By.ID, "login-submit").click()
    text_appears(browser, "#login-error", "Wrong email or password")
    assert browser.current_url.endswith("/login")


def test_devices_page_lists_a_new_device_and_its_latest_value_live(
    browser: Any, server: DevServer, account: Account, screenshots: Path
) -> None:
    api = account.api
    name = f"Test bench {uuid.uuid4().hex[:4]}"
    device_id, hardware_id = api.device(name, account.fleet.sites["Pump station 3"])
    binding = api.binding(device_id, 0, "temperature.celsius")
    api.ingest(hardware_id, [{"binding_id": binding, "value": 42.5}])
    sign_in(browser, server.base, account.email, account.password, "/devices")
    row = f'tr[data-device-id="{device_id}"]'
    text_appears(browser, row, name)
    text_appears(browser, row, "42.5")
    assert "Online" in browser.find_element(By.CSS_SELECTOR, row).text
    browser.execute_script("window.stillTheSamePage = true")
    api.ingest(hardware_id, [{"binding_id": binding, "value": 43.75}])
    text_appears(browser, row, "43.75", timeout_s=20)  # polled, not reloaded
    assert browser.execute_script("return window.stillTheSamePage") is True
    settled(browser)
    shoot(browser, screenshots, "devices")
    assert_clean_console(browser)


def test_explorer_charts_an_ingested_binding(
    browser: Any, server: DevServer, account: Account, screenshots: Path
) -> None:
    fleet = account.fleet
    sign_in(browser, server.base, account.email, account.password, "/explorer")
    for key in ("Pump 1/temperature", "Pump 2/temperature"):
        visible(browser, f'input[data-series-id="{fleet.bindings[key]}"]').click()
    browser.find_element(By.CSS_SELECTOR, '#range [data-range="24h"]').click()
    # a day of 5-minute points over 24 h (3-minute buckets)
    wait(browser).until(lambda d: len(chart_points(d, "#chart")) == 2)
    assert all(n >= 30 for n in chart_points(browser, "#chart"))
    assert path_pixels(browser, "#chart") > 500
    assert int(browser.find_element(By.ID, "chart").get_attribute("data-points")) > 0
    text_appears(browser, "#series-summary", "Pump 1 / Temperature")
    assert fleet.bindings["Pump 1/temperature"] in browser.current_url  # linkable
    shoot(browser, screenshots, "explorer")
    assert_clean_console(browser)


def test_alerts_page_shows_a_fired_alert_without_reloading(
    browser: Any, server: DevServer, account: Account, screenshots: Path
) -> None:
    api, fleet = account.api, account.fleet
    sign_in(browser, server.base, account.email, account.password, "/alerts")
    text_appears(browser, "#live-text", "Live")
    browser.execute_script("window.stillTheSamePage = true")
    rule = f"Pump 2 vibration {uuid.uuid4().hex[:4]}"
    binding = fleet.bindings["Pump 2/vibration"]
    api.rule(rule, binding, threshold=5.0)

    def fired() -> bool:
        api.ingest(fleet.hardware["Pump 2"], [{"binding_id": binding, "value": 9.5}])
        rows = browser.find_elements(By.CSS_SELECTOR, "#alerts-body tr")
        return any(rule in r.text for r in rows)

    assert wait_for(fired, timeout_s=60, every_s=1.0), "the alert never appeared"
    assert browser.execute_script("return window.stillTheSamePage") is True
    row = next(
        r
        for r in browser.find_elements(By.CSS_SELECTOR, "#alerts-body tr")
        if rule in r.text
    )
    assert "critical" in row.text and "active" in row.text
    shoot(browser, screenshots, "alerts")
    event_id = row.get_attribute("data-event-id")
    row.find_element(By.CSS_SELECTOR, '[data-action="acknowledge"]').click()
    wait(browser).until(
        lambda d: (
            d.find_element(
                By.CSS_SELECTOR, f'tr[data-event-id="{event_id}"]'
            ).get_attribute("data-status")
            == "acknowledged"
        )
    )
    assert_clean_console(browser)


def test_rules_and_keys_are_created_through_their_forms(
    browser: Any, server: DevServer, account: Account, screenshots: Path
) -> None:
    sign_in(browser, server.base, account.email, account.password, "/rules")
    form = visible(browser, "#rule-form")
    name = f"Boiler pressure {uuid.uuid4().hex[:4]}"
    form.find_element(By.NAME, "name").send_keys(name)
    wait(browser).until(
        lambda d: form.find_element(By.NAME, "binding_id").get_attribute("value")
    )
    form.find_element(By.NAME, "threshold").send_keys("6.5")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    text_appears(browser, "#rules-body", name)
    shoot(browser, screenshots, "rules")
    browser.get(server.base + "/developer")
    form = visible(browser, "#key-form")
    form.find_element(By.NAME, "name").send_keys("CI reader")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    secret = visible(browser, "#key-secret .secret-value")
    assert secret.text.startswith("vk_")
    text_appears(browser, "#keys-body", "CI reader")
    shoot(browser, screenshots, "developer")
    assert_clean_console(browser)


PAGES = {
    "devices": "#device-groups table",
    "explorer": "#series-list input",
    "alerts": "#alerts-table",
    "rules": "#rules-table",
    "prism": "#field-form",
    "developer": "#tokens-body tr",
    "docs": "#docs-body .op",
}


def test_every_page_renders_without_errors(
    browser: Any, server: DevServer, account: Account, screenshots: Path
) -> None:
    sign_in(browser, server.base, account.email, account.password)
    for page, ready in PAGES.items():
        browser.get(f"{server.base}/{page}")
        visible(browser, ready)
        settled(browser)
        assert not browser.find_elements(By.CSS_SELECTOR, ".failed"), page
        shoot(browser, screenshots, f"page-{page}")
        assert_clean_console(browser)
