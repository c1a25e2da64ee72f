"""What the browser tests do again and again: sign in, wait, look at the console,
take a screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT_S = 30


def wait(driver: Any, timeout_s: float = TIMEOUT_S) -> WebDriverWait[Any]:
    return WebDriverWait(driver, timeout_s, poll_frequency=0.2)


def visible(driver: Any, css: str, timeout_s: float = TIMEOUT_S) -> Any:
    """The first element matching ``css`` once it is displayed."""
    return wait(driver, timeout_s).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def text_appears(driver: Any, css: str, text: str, timeout_s: float = TIMEOUT_S) -> Any:
    """Wait until an element matching ``css`` contains ``text``."""
    return wait(driver, timeout_s).until(
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
    )


def settled(driver: Any) -> None:
    """No part of the page still says it is loading."""
    wait(driver).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, "[aria-busy='true'], .loading")
    )


def sign_in(driver: Any, base: str, email: str, password: str, path: str = "/") -> None:
    """Open ``path`` (the login page comes first) and sign in through the form."""
    driver.get(base + path)
    wait(driver).until(lambda d: "/login" in d.current_url)
    visible(driver, "#email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    wait(driver).until(lambda d: "/login" not in d.current_url)


def console_errors(driver: Any) -> list[str]:
    """SEVERE entries of the browser console since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def assert_clean_console(driver: Any) -> None:
    errors = console_errors(driver)
    assert not errors, "browser console errors:\n" + "\n".join(errors)


def shoot(driver: Any, directory: Path, name: str) -> Path:
    """Save a screenshot of the window as ``name.png``."""
    path = directory / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def chart_points(driver: Any, css: str) -> list[int]:
    """Non-null values of each series uPlot holds in the chart inside ``css``."""
    script = """
        const box = document.querySelector(arguments[0]);
        if (!box || !box._uplot) return [];
        return box._uplot.data.slice(1)
            .map(s => s.filter(v => v !== null && v !== undefined).length);
    """
    return [int(n) for n in driver.execute_script(script, css) or []]


def path_pixels(driver: Any, css: str) -> int:
    """Painted (non-transparent) pixels of the chart canvas inside ``css``."""
    script = """
        const canvas = document.querySelector(arguments[0] + " canvas");
        if (!canvas) return 0;
        const data = canvas.getContext("2d")
            .getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
    """
    return int(driver.execute_script(script, css) or 0)
