"""Segments: rule-based (tier, registration, spend) and RFM (from analytics), materialised,
carried into pricing, and used for bulk coupon issuance with the per-member limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from omniretail.core import clock
from omniretail.core.errors import ValidationFailed
from omniretail.promotions import coupons, segments, selectors
from omniretail.promotions.models import Coupon, SegmentMember

pytestmark = pytest.mark.django_db


def make_members(org: dict[str, Any], n: int, start: int = 0) -> list[Any]:
    from omniretail.members.identity import register_member

    return [
        register_member(org["brand"], f"1390000{start + i:04d}", store=org["stores"]["S1"])
        for i in range(n)
    ]


def _template(brand: Any, **kw: Any) -> Any:
    now = clock.now()
    return coupons.create_template(
        brand,
        code=kw.pop("code", "SEG"),
        name="人群券",
        kind="amount_off",
        params={"amount": "5", "min_spend": "50"},
        valid_from=now,
        valid_until=now + dt.timedelta(days=30),
        **kw,
    )


def test_rule_segment_selects_by_tier_when_tier_rule_given(
    org: dict[str, Any], frozen_now: Any
) -> None:
    from omniretail.members.models import Member, Tier

    members = make_members(org, 4)
    gold = Tier.objects.filter(brand=org["brand"]).order_by("-rank").first()
    Member.objects.filter(pk__in=[members[0].pk, members[2].pk]).update(tier=gold)

    seg = segments.create_segment(
        org["brand"], code="GOLD", name="金卡", rules={"tiers": [gold.code]}
    )

    assert segments.evaluate(seg) == {members[0].pk, members[2].pk}


def test_rule_segment_selects_by_registration_date_when_range_given(
    org: dict[str, Any], frozen_now: Any
) -> None:
    early = make_members(org, 2)
    frozen_now.shift(dt.timedelta(days=10))
    late = make_members(org, 2, start=100)
    today = clock.today()

    seg = segments.create_segment(
        org["brand"], code="NEW", name="新会员", rules={"registered_from": str(today)}
    )

    assert segments.evaluate(seg) == {m.pk for m in late}
    assert not segments.evaluate(seg) & {m.pk for m in early}


def test_rule_segment_selects_by_spend_when_min_spend_given(
    org: dict[str, Any], frozen_now: Any, make_sku: Any, place: Any
) -> None:
    from omniretail.orders.services import mark_paid

    big, small, none = make_members(org, 3)
    sku = make_sku("X", price="60", stock={"S1": 10})
    mark_paid(place((sku, 3), channel="pos", mode="pos_carry_out", member_id=big.pk))
    mark_paid(place((sku, 1), channel="pos", mode="pos_carry_out", member_id=small.pk))
    place((sku, 5), channel="pos", mode="pos_carry_out", member_id=none.pk)  # never paid
    frozen_now.shift(dt.timedelta(minutes=1))

    seg = segments.create_segment(
        org["brand"], code="VIP", name="高消费", rules={"min_spend": "100", "spend_days": 30}
    )
    low = segments.create_segment(
        org["brand"], code="LOW", name="低消费", rules={"max_spend": "100", "spend_days": 30}
    )

    assert segments.evaluate(seg) == {big.pk}
    assert segments.evaluate(low) == {small.pk, none.pk}


@pytest.mark.parametrize(
    ("kind", "rules"),
    [
        ("rules", {"tiers": "gold"}),
        ("rules", {"registered_from": "2026-02-01", "registered_to": "2026-01-01"}),
        ("rules", {"min_spend": "-5"}),
        ("rules", {"min_spend": "50", "max_spend": "10"}),
        ("rules", {"unknown": 1}),
        ("rfm", {"rfm_segment": "whales"}),
        ("other", {}),
    ],
)
def test_segment_is_refused_when_rules_are_invalid(
    org: dict[str, Any], frozen_now: Any, kind: str, rules: dict[str, Any]
) -> None:
    with pytest.raises(ValidationFailed):
        segments.create_segment(org["brand"], code="BAD", name="坏", kind=kind, rules=rules)


def test_rfm_segment_takes_members_from_analytics_when_available(
    org: dict[str, Any], frozen_now: Any, make_sku: Any, place: Any, settings: Any, tmp_path: Any
) -> None:
    analytics = pytest.importorskip("omniretail.analytics.segments")
    from omniretail.analytics import engine, extract
    from omniretail.orders.services import mark_paid

    settings.ANALYTICS_DIR = str(tmp_path / "analytics")
    engine.invalidate()
    buyers = make_members(org, 3)
    sku = make_sku("RFM", price="80", stock={"S1": 20})
    for n, m in enumerate(buyers, start=1):
        for _k in range(n):
            mark_paid(place((sku, n), channel="pos", mode="pos_carry_out", member_id=m.pk))
    frozen_now.shift(dt.timedelta(days=1))
    extract.run_extract()
    by_code = {
        code: analytics.member_ids_in_rfm_segment(org["brand"].pk, code)
        for code in segments.rfm_codes()
    }
    code = next(c for c, ids in by_code.items() if ids)

    seg = segments.create_segment(
        org["brand"], code="RFM", name="RFM", kind="rfm", rules={"rfm_segment": code}
    )
    segments.refresh(seg)

    assert set(segments.member_ids(seg)) == by_code[code]
    assert by_code[code] <= {m.pk for m in buyers}
    engine.invalidate()


def test_member_carries_segment_code_into_pricing_when_segment_refreshed(
    org: dict[str, Any], frozen_now: Any
) -> None:
    a, _b = make_members(org, 2)
    seg = segments.create_segment(org["brand"], code="ALL", name="全部", rules={})
    segments.refresh(seg)

    member = selectors.cart_member(org["brand"].pk, a.pk, clock.now())

    assert member is not None and "ALL" in member.segments
    assert SegmentMember.objects.filter(segment=seg).count() == 2


def test_bulk_issue_to_segment_skips_members_at_limit_when_limit_set(
    org: dict[str, Any], frozen_now: Any
) -> None:
    members = make_members(org, 5)
    tpl = _template(org["brand"], per_member_limit=1)
    coupons.issue(tpl, 1, member=members[0])
    seg = segments.create_segment(org["brand"], code="ALL", name="全部", rules={})

    issued, skipped = coupons.issue_to_segment(tpl, seg)

    assert (issued, skipped) == (4, 1)
    per_member = {m.pk: Coupon.objects.filter(template=tpl, member=m).count() for m in members}
    assert set(per_member.values()) == {1}
    assert issued + skipped == seg.member_count
