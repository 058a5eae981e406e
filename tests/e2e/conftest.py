"""Browser tests: the whole demo stack per test, driven through the web chat in headless Chromium.

Chromium is Debian's (/usr/bin/chromium, installed by .ci/run); Playwright only drives it, it
never downloads a browser. One browser per module; each test gets a fresh page and a fresh stack
(simulator, playground, bot, SQLite database) on free ports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from playground.demo import DemoStack
from tests.e2e.webchat import WebChat

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# As root in a container, without a GPU, and offline: Chromium must not try to phone home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), "
            "as .ci/run does, or point CHROMIUM_PATH at a Chromium binary"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoStack]:
    """The demo as `digiwatt-bot demo` runs it, on free ports, with no pre-made users."""
    with DemoStack(port=0, simulator_port=0, db_path=tmp_path / "demo.db", users=()) as stack:
        yield stack


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def web(page: Page, demo: DemoStack) -> WebChat:
    """The web chat of this test's demo, loaded."""
    return WebChat.open(page, demo.url)
