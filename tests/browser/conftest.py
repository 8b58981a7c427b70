"""Fixtures for the Playwright browser journeys (run with `pytest tests/browser`).

Chromium is Debian's (/usr/bin/chromium, or $RAPPORT_CHROMIUM); `playwright install` is never
needed. The app under test is pytest-django's `live_server` (a real HTTP server in a thread,
on the test database). Screenshots go to tests/browser/screenshots/ (git-ignored); a failing
test leaves one named after it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

# Playwright's sync API runs an asyncio loop in this thread, so Django sees "async context" and
# refuses ORM calls. The tests are plain synchronous code, so that check is a false alarm here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # English UI and a fixed time zone, whatever the machine's locale.
    context = browser.new_context(
        locale="en-US",
        timezone_id="Europe/Helsinki",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item so fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page. Uncaught JavaScript errors and CSP violations fail the test."""
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP violation: {message.text}")

    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("console", on_console)
    yield page

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        path = SCREENSHOT_DIR / f"FAILED-{_slug(request.node.nodeid)}.png"
        # The page may be gone by now; the test's own error matters more than this one.
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failure: {path}")
        except PlaywrightError as exc:
            print(f"could not take a failure screenshot: {exc}")
    page.close()
    if problems and (report is None or report.passed):
        pytest.fail("The browser reported problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """screenshot("label") saves tests/browser/screenshots/<test name>-<label>.png."""

    def take(label: str) -> Path:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        path = SCREENSHOT_DIR / f"{_slug(request.node.name)}-{_slug(label)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _seed_data(transactional_db: None) -> None:
    """Live-server tests flush the database after each test, which also removes what data
    migrations seeded (languages, number series, marketing setup); put it back first."""
    from importlib import import_module

    from django.apps import apps

    import_module("rapport.core.migrations.0002_seed_languages").seed(apps, None)
    import_module("rapport.contacts.migrations.0002_seed_setup").seed(apps, None)
