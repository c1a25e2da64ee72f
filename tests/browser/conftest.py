"""Headless Chromium against ``vigil dev``: the server as a user starts it, a fresh
account with a seeded fleet, a browser per test, screenshots and the console log.

Chromium and its driver come from Debian (``apt-get install chromium
chromium-driver``; ``.ci/run`` installs them). Without them the tests skip, except
under CI (``CI=true``), where a missing browser fails the run."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.devserver import DevServer
from tests.browser.seed import Api, Fleet, seed_fleet

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium download a browser

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("/usr/bin/chromedriver", "chromedriver")
WINDOW = (1440, 960)


def _find(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


@dataclass(frozen=True)
class Chromium:
    """Where the browser and its WebDriver live."""

    binary: str
    driver: str


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    """The installed Chromium; a failure under CI when it is missing, else a skip."""
    binary, driver = _find(BROWSERS), _find(DRIVERS)
    if binary and driver:
        return Chromium(binary, driver)
    reason = (
        "browser tests need Chromium and its driver "
        "(apt-get install -y chromium chromium-driver)"
    )
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI is set and {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server(
    chromium: Chromium, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevServer]:
    """``vigil dev`` on a free port with its own data directory."""
    dev = DevServer(
        tmp_path_factory.mktemp("vigil-browser"),
        env={"VIGIL_REBALANCE_TIMEOUT_S": "1", "VIGIL_SMTP_PORT": "0"},
    )
    dev.start(timeout_s=180)
    yield dev
    dev.stop()


@dataclass
class Account:
    """A signed-up user of the running server, with their seeded fleet."""

    api: Api
    fleet: Fleet

    @property
    def email(self) -> str:
        return self.api.email

    @property
    def password(self) -> str:
        return self.api.password


@pytest.fixture(scope="session")
def account(server: DevServer) -> Account:
    """One account for the session: two sites, five devices, a day of history."""
    api = Api(server.base, f"ada-{uuid.uuid4().hex[:6]}@vigil.test", "correct-horse-9")
    return Account(api, seed_fleet(api, hours=24, step_s=300))


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``$VIGIL_SCREENSHOTS``, else a temporary directory."""
    chosen = os.environ.get("VIGIL_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser(chromium: Chromium) -> Iterator[Any]:
    """A fresh headless Chromium (no cookies, no storage) that records its console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium.binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromium.driver), options=options)
    driver.set_window_size(*WINDOW)
    yield driver
    driver.quit()
