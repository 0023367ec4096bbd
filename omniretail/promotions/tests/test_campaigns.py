"""Campaigns: deterministic holdout, coupons only to the treatment group, promotions priced
only for the treatment group, and results (lift, incremental revenue, cost, ROI) measured
from real orders with known treatment and control behaviour."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from omniretail.core import clock
from omniretail.core.errors import InvalidState, ValidationFailed
from omniretail.promotions import campaign_results, campaigns, segments, services
from omniretail.promotions.models import Campaign, CampaignGroup, CampaignMember, Coupon
from omniretail.promotions.tests.test_segments import make_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def launched(org: dict[str, Any], frozen_now: Any, make_sku: Any) -> dict[str, Any]:
    """40 members, a 50 % holdout, 满100减15 for the treatment group and a coupon template."""
    from omniretail.promotions import coupons

    brand = org["brand"]
    sku = make_sku("WINE", price="120", stock={"S1": 200})
    members = make_members(org, 40)
    segment = segments.create_segment(brand, code="ALL", name="全部", rules={})
    now = clock.now()
    promo = services.create_promotion(
        brand,
        code="CRM-MJ",
        name="活动满100减15",
        kind="spend_threshold",
        params={"tiers": [{"threshold": "100", "discount": "15"}]},
        scope={"member_segments": ["campaign:CRM"]},
        status="active",
        starts_at=now,
        ends_at=now + dt.timedelta(days=14),
    )
    template = coupons.create_template(
        brand,
        code="CRM-CPN",
        name="活动券",
        kind="amount_off",
        params={"amount": "5", "min_spend": "50"},
        valid_from=now,
        valid_until=now + dt.timedelta(days=14),
    )
    campaign = campaigns.create_campaign(
        brand,
        code="CRM",
        name="唤醒",
        segment=segment,
        starts_at=now,
        ends_at=now + dt.timedelta(days=14),
        budget="1000",
        holdout_bp=5000,
        promotion_ids=[promo.pk],
        template_ids=[template.pk],
        seed="fixed-seed",
    )
    frozen_now.shift(dt.timedelta(minutes=1))
    campaigns.launch(campaign)
    frozen_now.shift(dt.timedelta(minutes=1))
    groups: dict[str, list[int]] = {"treatment": [], "control": []}
    for m, g in CampaignMember.objects.filter(campaign=campaign).values_list("member_id", "group"):
        groups[g].append(m)
    return {
        "campaign": campaign,
        "sku": sku,
        "members": members,
        "groups": groups,
        "promo": promo,
        "template": template,
    }


def _buy(place: Any, sku: Any, member_id: int, ref: str) -> Any:
    from omniretail.orders.services import mark_paid

    order = place((sku, 1), channel="pos", mode="pos_carry_out", ref=ref, member_id=member_id)
    return mark_paid(order)


def test_holdout_draw_is_deterministic_and_near_its_share_when_many_members() -> None:
    control = [m for m in range(1, 10_001) if campaigns.in_control("s", m, 2000)]

    assert 1850 <= len(control) <= 2150
    assert control == [m for m in range(1, 10_001) if campaigns.in_control("s", m, 2000)]
    assert control != [m for m in range(1, 10_001) if campaigns.in_control("t", m, 2000)]


def test_launch_assigns_groups_by_seed_and_issues_coupons_to_treatment_only(
    launched: dict[str, Any],
) -> None:
    campaign, groups = launched["campaign"], launched["groups"]

    assert len(groups["treatment"]) + len(groups["control"]) == 40
    assert groups["treatment"] and groups["control"]
    for m in groups["control"]:
        assert campaigns.in_control("fixed-seed", m, 5000)
    holders = set(Coupon.objects.filter(campaign=campaign).values_list("member_id", flat=True))
    assert holders == set(groups["treatment"])


def test_campaign_promotion_prices_only_for_treatment_when_both_groups_buy(
    launched: dict[str, Any], place: Any
) -> None:
    t, c = launched["groups"]["treatment"][0], launched["groups"]["control"][0]

    treated = _buy(place, launched["sku"], t, "t-1")
    held_out = _buy(place, launched["sku"], c, "c-1")

    assert treated.total == Decimal("105.00")
    assert held_out.total == Decimal("120.00")


def test_results_measure_lift_cost_and_roi_when_treatment_buys_more_than_control(
    launched: dict[str, Any], place: Any, frozen_now: Any
) -> None:
    t_ids, c_ids = launched["groups"]["treatment"], launched["groups"]["control"]
    # Planted: every treatment member buys once (¥120 − 15); half the control members do (¥120).
    for m in t_ids:
        _buy(place, launched["sku"], m, f"t-{m}")
    control_buyers = c_ids[: len(c_ids) // 2]
    for m in control_buyers:
        _buy(place, launched["sku"], m, f"c-{m}")
    frozen_now.shift(dt.timedelta(hours=1))

    r = campaign_results.results(launched["campaign"])

    nt, nc = len(t_ids), len(c_ids)
    spm_t = Decimal("105.00")
    spm_c = (Decimal(120 * len(control_buyers)) / nc).quantize(Decimal("0.01"))
    assert r.treatment.spend_per_member == spm_t
    assert r.control.spend_per_member == spm_c
    assert r.lift_pct == ((spm_t - spm_c) * 100 / spm_c).quantize(Decimal("0.01"))
    assert r.incremental_revenue == ((spm_t - spm_c) * nt).quantize(Decimal("0.01"))
    assert r.cost == Decimal(15 * nt)
    assert r.roi == ((r.incremental_revenue - r.cost) / r.cost).quantize(Decimal("0.01"))
    assert (r.reach, r.promotion_orders, r.redemptions) == (nt, nt, nt)
    assert r.treatment.buyers == nt and r.control.buyers == len(control_buyers)
    assert r.revenue == spm_t * nt
    assert r.budget_used_pct == (Decimal(15 * nt) * 100 / 1000).quantize(Decimal("0.01"))
    assert r.daily[-1]["treatment"] == spm_t and r.daily[-1]["control"] == spm_c


def test_results_ignore_unpaid_orders_and_orders_before_launch_when_measuring(
    launched: dict[str, Any], place: Any, frozen_now: Any
) -> None:
    t = launched["groups"]["treatment"][0]
    place((launched["sku"], 1), channel="pos", mode="pos_carry_out", ref="unpaid", member_id=t)
    frozen_now.shift(dt.timedelta(hours=1))

    r = campaign_results.results(launched["campaign"])

    assert r.treatment.orders == 0 and r.revenue == 0 and r.cost == 0
    assert r.lift_pct is None  # no control spend: no lift to report, never a division by zero
    assert r.roi is None


def test_launch_is_refused_when_campaign_already_launched(launched: dict[str, Any]) -> None:
    with pytest.raises(InvalidState):
        campaigns.launch(launched["campaign"])
    assert CampaignMember.objects.filter(campaign=launched["campaign"]).count() == 40


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": -1}, "ends_at"),
        ({"holdout_bp": 9500}, "holdout_bp"),
        ({"budget": "-1"}, "budget"),
        ({"promotion_ids": [10**9]}, "promotion_ids"),
    ],
)
def test_create_campaign_is_refused_when_input_is_inconsistent(
    org: dict[str, Any], frozen_now: Any, change: dict[str, Any], field: str
) -> None:
    segment = segments.create_segment(org["brand"], code="S", name="S", rules={})
    now = clock.now()
    kw: dict[str, Any] = {"starts_at": now, "ends_at": now + dt.timedelta(days=1)}
    kw.update(change)
    if kw["ends_at"] == -1:
        kw["ends_at"] = now - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        campaigns.create_campaign(org["brand"], code="X", name="X", segment=segment, **kw)
    assert exc.value.details.get("field") == field
    assert not Campaign.objects.exists()


def test_campaign_groups_stay_fixed_when_segment_grows_after_launch(
    launched: dict[str, Any], org: dict[str, Any]
) -> None:
    make_members(org, 3, start=500)
    segments.refresh(launched["campaign"].segment)

    assert CampaignMember.objects.filter(campaign=launched["campaign"]).count() == 40
    assert CampaignMember.objects.filter(group=CampaignGroup.TREATMENT).count() == len(
        launched["groups"]["treatment"]
    )
