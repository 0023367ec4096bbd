"""Segments and campaigns over the API: create, launch, results; typed errors; 404 outside."""

from __future__ import annotations

import pytest

from omniretail.promotions.tests.test_segments import make_members

pytestmark = pytest.mark.django_db

BASE = "promotions"


@pytest.fixture
def admin(org, frozen_now, make_user, api_as):
    return api_as(make_user("hq_admin"))


def _campaign(api, segment_id, **kw):
    body = {
        "code": "C1",
        "name": "唤醒",
        "segment_id": segment_id,
        "starts_at": "2026-11-23T00:00:00+08:00",
        "ends_at": "2026-12-23T00:00:00+08:00",
        "budget": "500.00",
        "holdout_bp": 2000,
        "seed": "abc",
        **kw,
    }
    return api.post(f"{BASE}/campaigns", body)


def test_campaign_created_launched_and_measured_when_admin(admin, org):
    make_members(org, 10)
    seg = admin.post(f"{BASE}/segments", {"code": "ALL", "name": "全部", "rules": {}})
    assert seg.status_code == 200, seg.json()

    created = _campaign(admin, seg.json()["id"])
    assert created.status_code == 200, created.json()
    cid = created.json()["id"]
    launched = admin.post(f"{BASE}/campaigns/{cid}/launch", {})
    results = admin.get(f"{BASE}/campaigns/{cid}/results")

    assert launched.status_code == 200 and launched.json()["status"] == "launched"
    body = results.json()
    assert results.status_code == 200, body
    assert body["treatment"]["members"] + body["control"]["members"] == 10
    assert body["reach"] == body["treatment"]["members"]
    assert body["lift_pct"] is None and body["cost"] == "0.00"
    again = admin.post(f"{BASE}/campaigns/{cid}/launch", {})
    assert again.status_code == 409 and again.json()["code"] == "promotions.campaign_state"


def test_segment_issue_gives_each_member_one_coupon_when_requested(admin, org):
    make_members(org, 3)
    seg = admin.post(f"{BASE}/segments", {"code": "ALL", "name": "全部"}).json()
    tpl = admin.post(
        f"{BASE}/coupon-templates",
        {
            "code": "T1",
            "name": "券",
            "kind": "amount_off",
            "params": {"amount": "5", "min_spend": "20"},
            "valid_from": "2026-11-22T00:00:00+08:00",
            "valid_until": "2026-12-22T00:00:00+08:00",
            "per_member_limit": 1,
        },
    ).json()

    first = admin.post(
        f"{BASE}/coupon-templates/{tpl['id']}/issue-to-segment", {"segment_id": seg["id"]}
    )
    second = admin.post(
        f"{BASE}/coupon-templates/{tpl['id']}/issue-to-segment", {"segment_id": seg["id"]}
    )

    assert first.json() == {"issued": 3, "skipped": 0}
    assert second.json() == {"issued": 0, "skipped": 3}


def test_bad_segment_and_campaign_input_answer_typed_errors(admin, org):
    bad = admin.post(f"{BASE}/segments", {"code": "X", "name": "X", "rules": {"tiers": 5}})
    assert bad.status_code == 422 and bad.json()["code"] == "promotions.invalid_segment"
    seg = admin.post(f"{BASE}/segments", {"code": "ALL", "name": "全部"}).json()

    backwards = _campaign(admin, seg["id"], ends_at="2026-11-01T00:00:00+08:00")
    unknown = _campaign(admin, 999_999)

    assert backwards.status_code == 422 and backwards.json()["code"] == "promotions.invalid_window"
    assert unknown.status_code == 404
    assert admin.get(f"{BASE}/campaigns/999999/results").status_code == 404


def test_campaign_launch_is_refused_when_caller_cannot_manage_promotions(
    admin, org, make_user, api_as
):
    seg = admin.post(f"{BASE}/segments", {"code": "ALL", "name": "全部"}).json()
    cid = _campaign(admin, seg["id"]).json()["id"]
    cashier = api_as(make_user("cashier", store="S1"))

    assert cashier.post(f"{BASE}/campaigns/{cid}/launch", {}).status_code == 403
    assert admin.get(f"{BASE}/campaigns/{cid}").json()["status"] == "draft"
