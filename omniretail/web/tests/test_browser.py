"""Browser smoke tests: real logins in headless Chromium against the live server.

They prove what the plain view tests cannot: that pages render without script errors, that
HTMX and the language switch work in a browser, and that each role sees its own scope on the
screen. Pages are discovered from the HQ admin's navigation, so new pages are covered as soon
as they are added to ``NAV_ITEMS``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

import conftest

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
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
VIEWPORT = {"width": 1024, "height": 768}
ACCEPT = {"zh-hans": "zh-Hans", "en": "en"}

# Playwright's sync API runs an event loop in this thread; the ORM calls the fixtures make
# from it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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

    def login(self, username: str, password: str = conftest.PASSWORD) -> None:
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


TEXTS = {
    "zh-hans": {"logout": "退出登录", "store_count": "管辖门店数", "login": "登录"},
    "en": {"logout": "Log out", "store_count": "Stores in your scope", "login": "Log in"},
}

# role, make_user kwargs, stores visible on the home page
ROLES = [
    ("hq_admin", {}, ["S1", "S2", "S3"]),
    ("regional_manager", {"region": "east"}, ["S1", "S2"]),
    ("store_manager", {"store": "S1"}, ["S1"]),
    ("cashier", {"store": "S3"}, ["S3"]),
    ("warehouse_clerk", {"store": "S2"}, ["S2"]),
    ("finance", {}, ["S1", "S2", "S3"]),
    ("analyst", {}, ["S1", "S2", "S3"]),
    ("marketer", {}, ["S1", "S2", "S3"]),
    ("supplier", {}, []),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("role", "kwargs", "visible"), ROLES, ids=[r[0] for r in ROLES])
def test_home_shows_only_the_scope_when_role_logs_in(
    session_factory: Any,
    make_user: Any,
    role: str,
    kwargs: dict[str, str],
    visible: list[str],
    language: str,
) -> None:
    user = make_user(role, **kwargs)
    s = session_factory(language)
    s.page.goto("/")
    assert TEXTS[language]["login"] in s.page.content()
    s.login(user.username)
    page = s.page
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_test_id("store-count").inner_text() == str(len(visible))
    assert TEXTS[language]["store_count"] in page.content()
    assert page.get_by_role("button", name=TEXTS[language]["logout"]).is_visible()
    codes = page.eval_on_selector_all("[data-store]", "els => els.map(el => el.dataset.store)")
    assert sorted(codes) == visible
    assert s.problems == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_nav_pages_have_no_console_errors_when_hq_admin_visits_each(
    session_factory: Any, make_user: Any, language: str
) -> None:
    user = make_user("hq_admin")
    s = session_factory(language)
    s.login(user.username)
    links = s.nav_links()
    assert ("/" in [href for _label, href in links]) and len(links) >= 2, links
    for label, href in links:
        response = s.page.goto(href)
        assert response is not None and response.status == 200, (label, href)
        s.page.wait_for_load_state("networkidle")
        width = s.page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORT["width"], f"{href} is {width}px wide at 1024×768"
        # Every page in the shell keeps the nav: a page that lost it cannot be left.
        assert s.page.locator("nav.mainnav a").count() == len(links), href
    assert s.problems == []


def test_nav_hides_audit_when_role_is_store_manager(session_factory: Any, make_user: Any) -> None:
    s = session_factory("en")
    s.login(make_user("store_manager", store="S1").username)
    hrefs = [href for _label, href in s.nav_links()]
    assert "/audit/" not in hrefs
    response = s.page.goto("/audit/")
    assert response is not None and response.status == 403
    s.problems.clear()  # the 403 is the expected answer


def test_language_switch_persists_when_user_picks_english(
    session_factory: Any, make_user: Any
) -> None:
    s = session_factory("zh-hans")
    s.login(make_user("hq_admin").username)
    page = s.page
    assert page.get_by_role("button", name="退出登录").is_visible()
    with page.expect_navigation():
        page.get_by_test_id("language").select_option("en")
    assert page.get_by_role("button", name="Log out").is_visible()
    page.goto("/audit/")
    assert page.locator("h1").inner_text() == "Audit log"
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.get_by_test_id("language").select_option("zh-hans")
    assert page.locator("h1").inner_text() == "审计日志"
    assert s.problems == []


def test_audit_filter_narrows_rows_when_hq_types_an_action(
    session_factory: Any, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    s = session_factory("zh-hans")
    s.login(make_user("hq_admin").username)
    page = s.page
    page.goto("/audit/")
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() == 3
    with page.expect_response(lambda r: "/audit/?" in r.url and "action=inventory" in r.url):
        page.fill("input[name=action]", "inventory")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=audit-table] tbody tr').length === 1"
    )
    assert "inventory.adjusted" in rows.first.inner_text()
    assert "action=inventory" in page.url  # the filtered view is a link
    assert s.problems == []


def test_audit_hides_other_regions_when_regional_manager_looks(
    session_factory: Any, make_user: Any, audit_rows: dict[str, Any]
) -> None:
    s = session_factory("en")
    s.login(make_user("regional_manager", region="east").username)
    s.page.goto("/audit/")
    table = s.page.get_by_test_id("audit-table").inner_text()
    assert "org.store_updated" in table
    assert "inventory.adjusted" not in table
    assert "events.webhook_created" not in table
    assert s.problems == []


def test_home_draws_region_chart_when_echarts_is_installed(
    session_factory: Any, make_user: Any
) -> None:
    from omniretail.web.views import echarts_available

    s = session_factory("zh-hans")
    s.login(make_user("hq_admin").username)
    regions = s.page.get_by_test_id("regions")
    assert "华东" in regions.inner_text()
    if not echarts_available():
        assert s.page.locator("#region-chart").count() == 0
        pytest.skip("ECharts is not installed (scripts/install-assets.sh); table fallback checked")
    s.page.wait_for_selector("#region-chart canvas")
    assert s.problems == []
