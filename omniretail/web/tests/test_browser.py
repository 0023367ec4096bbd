"""Browser smoke tests: real logins in headless Chromium against the live server.

They prove what the plain view tests cannot: that pages render without script errors, that
HTMX and the language switch work in a browser, and that each role sees its own scope on the
screen. Pages are discovered from the HQ admin's navigation, so new pages are covered as soon
as they are added to ``NAV_ITEMS``.
"""

from __future__ import annotations

from typing import Any

import pytest

from omniretail.testing.browser import VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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
