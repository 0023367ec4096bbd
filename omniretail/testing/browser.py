"""Browser-test fixtures shared by every app: headless Debian Chromium through Playwright.

``browser`` (module-scoped Chromium), ``session_factory`` (a logged-out context per language
that collects console errors, page errors and failed same-origin responses, and saves a
screenshot to test-artifacts/ when the test failed). Mark tests ``@pytest.mark.browser`` and
``@pytest.mark.django_db(transaction=True)``; they run in the browser stage of CI.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from omniretail.testing.constants import PASSWORD

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1024, "height": 768}
ACCEPT = {"zh-hans": "zh-Hans", "en": "en"}

# Playwright's sync API runs an event loop in this thread; the ORM calls the fixtures make
# from it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install -y chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Session:
    """One browser context with its problems collected: console errors, uncaught page
    errors and failed same-origin responses."""

    def __init__(self, browser: Any, base_url: str, language: str) -> None:
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=VIEWPORT,
            base_url=base_url,
            extra_http_headers={"Accept-Language": ACCEPT[language]},
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda msg: (
                self.problems.append(f"console.{msg.type}: {msg.text} @ {self.page.url}")
                if msg.type == "error"
                else None
            ),
        )
        self.page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        self.page.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 and r.url.startswith(base_url)
                else None
            ),
        )

    def login(self, username: str, password: str = PASSWORD) -> None:
        page = self.page
        page.goto("/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("form button[type=submit].primary")
        assert urlparse(page.url).path == "/", f"login failed, still at {page.url}"

    def nav_links(self) -> list[tuple[str, str]]:
        links = self.page.eval_on_selector_all(
            "nav.mainnav a", "els => els.map(a => [a.textContent.trim(), a.getAttribute('href')])"
        )
        return [(label, href) for label, href in links]


@pytest.fixture
def session_factory(
    browser: Any, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """Opens sessions; at teardown saves a screenshot of each when the test failed."""
    sessions: list[Session] = []

    def open_session(language: str = "zh-hans") -> Session:
        session = Session(browser, live_server.url, language)
        sessions.append(session)
        return session

    yield open_session
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, session in enumerate(sessions):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            try:
                session.page.screenshot(path=str(ARTIFACTS / f"{name}-{i}.png"), full_page=True)
            except Exception as exc:  # a dead page must not hide the test's own failure
                print(f"screenshot failed: {exc}")
        session.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item so browser fixtures can tell, at teardown,
    whether the test failed and a screenshot is worth saving."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
