from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_pages_render_and_price_when_logged_in(shop, make_user, client):
    from omniretail.promotions import services

    services.create_promotion(
        shop["brand"],
        code="W1",
        name="满100减20",
        kind="spend_threshold",
        params={"tiers": [{"threshold": "100", "discount": "20"}]},
        status="active",
    )
    client.force_login(make_user("hq_admin"))
    page = client.get("/promotions/")
    assert page.status_code == 200 and "满100减20" in page.content.decode()
    body = {
        "store": shop["stores"]["S1"].pk,
        "channel": "pos",
        "lines": f"{shop['skus']['A'].pk} x 2",
    }
    r = client.post("/promotions/try/", body, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "180.00" in r.content.decode()  # 2 × 100 − 20
    bad = client.post("/promotions/try/", {**body, "lines": "nonsense"})
    assert bad.status_code == 200 and "error" in bad.content.decode()


def test_calendar_shows_conflict_when_exclusive_group_members_overlap(shop, make_user, client):
    import datetime as dt

    from omniretail.core import clock
    from omniretail.promotions import services

    now = clock.now()
    for code, priority in (("G1", 1), ("G2", 2)):
        services.create_promotion(
            shop["brand"],
            code=code,
            name=code,
            kind="percent_off",
            params={"percent": "10"},
            exclusive_group="DOUBLE11",
            priority=priority,
            status="active",
            starts_at=now,
            ends_at=now + dt.timedelta(days=2),
        )
    client.force_login(make_user("hq_admin"))

    page = client.get("/promotions/calendar/?month=2026-11").content.decode()

    assert 'data-day="2026-11-23"' in page
    assert ("DOUBLE11" in page and "G1, G2" in page) or "G2, G1" in page
    assert 'data-testid="conflict-days"' in page
    assert client.get("/promotions/calendar/?month=garbage").status_code == 200


def test_campaign_pages_show_lift_when_campaign_has_results(org, frozen_now, make_user, client):
    import datetime as dt

    from omniretail.core import clock
    from omniretail.promotions import campaigns, segments
    from omniretail.promotions.tests.test_segments import make_members

    make_members(org, 4)
    seg = segments.create_segment(org["brand"], code="ALL", name="全部会员", rules={})
    now = clock.now()
    campaign = campaigns.create_campaign(
        org["brand"],
        code="CRM",
        name="唤醒活动",
        segment=seg,
        starts_at=now,
        ends_at=now + dt.timedelta(days=7),
        holdout_bp=5000,
        seed="s",
    )
    campaigns.launch(campaign)
    client.force_login(make_user("hq_admin"))

    listing = client.get("/promotions/campaigns/").content.decode()
    detail = client.get(f"/promotions/campaigns/{campaign.pk}/")

    assert "唤醒活动" in listing and "全部会员" in listing
    assert detail.status_code == 200 and 'data-testid="lift"' in detail.content.decode()
    assert client.get("/promotions/campaigns/999999/").status_code == 404


def test_edit_page_previews_unsaved_edits_and_saves_when_asked(shop, make_user, client):
    from omniretail.promotions import services
    from omniretail.promotions.models import Promotion

    promo = services.create_promotion(
        shop["brand"],
        code="W1",
        name="满100减20",
        kind="spend_threshold",
        params={"tiers": [{"threshold": "100", "discount": "20"}]},
        status="active",
    )
    client.force_login(make_user("hq_admin"))
    url = f"/promotions/{promo.pk}/edit/"
    assert client.get(url).status_code == 200
    body = {
        "name": "满100减50",
        "priority": "0",
        "status": "active",
        "stackable": "on",
        "params": '{"tiers": [{"threshold": "100", "discount": "50"}]}',
        "scope": "{}",
        "store": shop["stores"]["S1"].pk,
        "channel": "pos",
        "lines": f"{shop['skus']['A'].pk} x 2",
        "action": "preview",
    }

    preview = client.post(url, body, HTTP_HX_REQUEST="true").content.decode()
    promo.refresh_from_db()
    assert "150.00" in preview  # 2 × 100 − 50 with the unsaved edit
    assert promo.params["tiers"][0]["discount"] == "20"  # nothing saved by a preview
    bad = client.post(
        url, {**body, "params": '{"tiers": [{"threshold": "100", "discount": "150"}]}'}
    )
    assert "promotions.invalid_params" in bad.content.decode()

    client.post(url, {**body, "action": "save"})
    assert Promotion.objects.get(pk=promo.pk).params["tiers"][0]["discount"] == "50"
