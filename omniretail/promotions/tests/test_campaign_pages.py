"""A marketer builds a segment and a campaign in the back office, launches and ends it; bad
input stays on the form with the service's reason; others cannot reach the pages."""

from __future__ import annotations

import pytest

from omniretail.promotions.models import Campaign, CampaignStatus, Segment
from omniretail.promotions.tests.test_segments import make_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(org, frozen_now, make_user, client):
    client.force_login(make_user("marketer"))
    return client


def test_marketer_creates_a_rule_segment_and_sees_its_members_when_the_form_is_valid(marketer, org):
    make_members(org, 4)
    page = marketer.get("/promotions/campaigns/")
    assert 'data-testid="new-segment"' in page.content.decode()
    done = marketer.post(
        "/promotions/segments/new/",
        {"code": "ALL-NEW", "name": "全部会员", "kind": "rules", "spend_days": 365},
    )
    assert done.status_code == 302
    segment = Segment.objects.get(code="ALL-NEW")
    assert segment.rules == {} and segment.member_count == 4


def test_segment_form_keeps_the_input_and_says_why_when_spend_range_is_inverted(marketer):
    page = marketer.post(
        "/promotions/segments/new/",
        {
            "code": "BAD",
            "name": "倒置",
            "kind": "rules",
            "spend_days": 90,
            "min_spend": "500",
            "max_spend": "100",
        },
    )
    body = page.content.decode()
    assert page.status_code == 200 and "promotions.invalid_segment" in body
    assert 'value="BAD"' in body
    assert not Segment.objects.filter(code="BAD").exists()


def test_marketer_creates_launches_and_ends_a_campaign_from_the_pages(marketer, org):
    make_members(org, 6)
    marketer.post(
        "/promotions/segments/new/",
        {"code": "ALL", "name": "全部", "kind": "rules", "spend_days": 365},
    )
    segment = Segment.objects.get(code="ALL")
    created = marketer.post(
        "/promotions/campaigns/new/",
        {
            "code": "WAKE-UP",
            "name": "唤醒",
            "segment": segment.pk,
            "starts_at": "2026-11-23T09:00",
            "ends_at": "2026-12-23T09:00",
            "budget": "800",
            "holdout_pct": "25",
        },
    )
    campaign = Campaign.objects.get(code="WAKE-UP")
    assert created.status_code == 302 and created.url.endswith(f"/{campaign.pk}/")
    assert (campaign.holdout_bp, str(campaign.budget)) == (2500, "800.00")
    detail = marketer.get(created.url).content.decode()
    assert 'data-testid="campaign-actions"' in detail
    marketer.post(f"/promotions/campaigns/{campaign.pk}/launch/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LAUNCHED and campaign.members.count() == 6
    again = marketer.post(f"/promotions/campaigns/{campaign.pk}/launch/", follow=True)
    assert "promotions.campaign_state" in again.content.decode()
    marketer.post(f"/promotions/campaigns/{campaign.pk}/end/")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ENDED


def test_campaign_form_refuses_an_end_before_the_start(marketer, org):
    segment_page = marketer.post(
        "/promotions/segments/new/",
        {"code": "S", "name": "S", "kind": "rules", "spend_days": 365},
    )
    assert segment_page.status_code == 302
    page = marketer.post(
        "/promotions/campaigns/new/",
        {
            "code": "BACKWARDS",
            "name": "倒序",
            "segment": Segment.objects.get(code="S").pk,
            "starts_at": "2026-12-23T09:00",
            "ends_at": "2026-11-23T09:00",
            "budget": "0",
            "holdout_pct": "10",
        },
    )
    assert page.status_code == 200 and "promotions.invalid_window" in page.content.decode()
    assert not Campaign.objects.exists()


def test_campaign_pages_answer_404_when_the_user_cannot_manage_promotions(
    org, frozen_now, make_user, client
):
    client.force_login(make_user("cashier", store="S1"))
    assert client.get("/promotions/campaigns/new/").status_code == 404
    assert client.get("/promotions/segments/new/").status_code == 404
    assert client.post("/promotions/campaigns/1/launch/").status_code == 404
