"""Browser tests: Python Playwright driving Debian's chromium; Playwright downloads no browser."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from frontdesk.demo.agents import DEMO_AGENT, DEMO_AGENT_PASSWORD
from tests.e2e.server import REPO, LiveServer

CHROMIUM = Path(os.environ.get("FRONTDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
LIVE_MS = 10_000  # a live update (WebSocket push, a page's fetch) arrives within this


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}; `make test` installs Debian's package")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def server(tmp_path: Path, model_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "var")
    live.start()
    yield live
    live.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def console(browser: Browser, server: LiveServer) -> Iterator[Page]:
    """The agent's own browser (its own cookies), signed in to the console."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.base + "/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.locator("#email").fill(DEMO_AGENT.email)
    page.locator("#password").fill("not the password")
    page.locator("#login-submit").click()
    expect(page.locator("#login-error")).to_be_visible()
    page.locator("#password").fill(DEMO_AGENT_PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected", timeout=LIVE_MS)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors in the console: {errors}"
