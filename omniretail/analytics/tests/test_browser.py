"""The dashboards in headless Chromium: ECharts draws every chart without script errors, and a
click on a store in the ranking drills down to that store's dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from omniretail.analytics import extract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dashboard_draws_every_chart_and_drills_down_to_a_store(
    session_factory: Any,
    make_user: Any,
    org: dict[str, Any],
    make_sku: Any,
    sell: Any,
    analytics_dir: Any,
    language: str,
) -> None:
    beer = make_sku("BEER", price="6.50", stock={"S1": 50, "S3": 50})
    sell((beer, 2), store="S1")
    sell((beer, 3), store="S3", channel="online")
    extract.run_extract()
    s = session_factory(language)
    s.login(make_user("analyst").username)

    s.page.goto("/analytics/?start=2026-11-01&end=2026-11-23")
    s.page.wait_for_load_state("networkidle")
    charts = s.page.locator("[data-echart]")
    drawn = s.page.locator("[data-echart] canvas")
    if charts.count():  # ECharts installed: every chart has its canvas
        assert drawn.count() >= charts.count()
    s.page.get_by_test_id("chart-store_ranking").locator("summary").click()
    s.page.get_by_test_id("chart-store_ranking").locator("tbody a").first.click()
    s.page.wait_for_load_state("networkidle")

    assert s.page.get_by_test_id("level").get_attribute("data-level") == "store"
    assert s.problems == []
