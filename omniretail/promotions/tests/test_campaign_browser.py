"""In a real browser: a marketer builds a segment and a campaign and launches it, in both
languages, with no script errors."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "zh-hans": {
        "create_segment": "创建人群",
        "create_campaign": "创建营销活动",
        "launched": "已启动",
    },
    "en": {
        "create_segment": "Create segment",
        "create_campaign": "Create campaign",
        "launched": "Launched",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_marketer_builds_and_launches_a_campaign_when_using_the_pages(
    session_factory: Any, make_user: Any, org: Any, language: str
) -> None:
    from omniretail.promotions.tests.test_segments import make_members

    make_members(org, 3)
    words = TEXTS[language]
    s = session_factory(language)
    s.login(make_user("marketer").username)
    page = s.page
    page.goto("/promotions/campaigns/")
    page.click("[data-testid=new-segment]")
    page.fill("input[name=code]", "VIP")
    page.fill("input[name=name]", "全部会员")
    with page.expect_navigation():
        page.click(f"button:has-text('{words['create_segment']}')")
    assert page.url.endswith("/promotions/campaigns/")
    page.click("[data-testid=new-campaign]")
    page.fill("input[name=code]", "VIP-WEEK")
    page.fill("input[name=name]", "会员周")
    page.select_option("select[name=segment]", label="VIP 全部会员")
    page.fill("input[name=starts_at]", "2026-11-23T09:00")
    page.fill("input[name=ends_at]", "2026-12-23T09:00")
    with page.expect_navigation():
        page.click(f"button:has-text('{words['create_campaign']}')")
    with page.expect_navigation():
        page.click("[data-testid=campaign-actions] form:first-child button")
    assert words["launched"] in page.locator("h1 .badge").inner_text()
    assert s.problems == []
