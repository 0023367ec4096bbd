"""Coupon redemption (核销) for third-party tills: idempotent, reversible, and limited per
member and per phone against abuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from omniretail.core import clock
from omniretail.core.errors import Conflict
from omniretail.promotions import coupons
from omniretail.promotions.models import CouponRedemption
from omniretail.promotions.tests.test_segments import make_members

pytestmark = pytest.mark.django_db
BASE = "promotions"


def _template(org: dict[str, Any], **kw: Any) -> Any:
    now = clock.now()
    return coupons.create_template(
        org["brand"],
        code=kw.pop("code", "T"),
        name="券",
        kind="amount_off",
        params={"amount": "5", "min_spend": "20"},
        valid_from=now,
        valid_until=now + dt.timedelta(days=30),
        **kw,
    )


def test_second_coupon_is_refused_when_same_phone_reached_its_limit(
    org: dict[str, Any], frozen_now: Any
) -> None:
    tpl = _template(org, redemptions_per_phone=1)
    first, second = coupons.issue(tpl, 2)
    brand = org["brand"].pk

    coupons.redeem(brand, first.code, "r1", amount="5", phone="138 0013 8000")
    with pytest.raises(Conflict) as exc:
        coupons.redeem(brand, second.code, "r2", amount="5", phone="+8613800138000")

    assert exc.value.code == "promotions.coupon_phone_limit"
    coupons.redeem(brand, second.code, "r2", amount="5", phone="13900139000")  # another phone
    stored = CouponRedemption.objects.get(reference="r1")
    assert stored.phone_index and "13800138000" not in stored.phone_index


def test_member_limit_counts_only_live_redemptions_when_one_was_reversed(
    org: dict[str, Any], frozen_now: Any
) -> None:
    (member,) = make_members(org, 1)
    tpl = _template(org, redemptions_per_member=1)
    a = coupons.issue(tpl, 1, member=member)[0]
    b = coupons.issue(tpl, 1, member=member)[0]
    brand = org["brand"].pk

    coupons.redeem(brand, a.code, "r1", member_id=member.pk)
    with pytest.raises(Conflict) as exc:
        coupons.redeem(brand, b.code, "r2", member_id=member.pk)
    assert exc.value.code == "promotions.coupon_member_limit"
    coupons.reverse(brand, a.code, "r1", reversal_reference="ret-1")

    assert coupons.redeem(brand, b.code, "r2", member_id=member.pk).reversed_at is None


def test_third_party_till_redeems_and_reverses_over_api_when_permitted(
    org: dict[str, Any], frozen_now: Any, make_user: Any, api_as: Any
) -> None:
    tpl = _template(org, redemptions_per_phone=1)
    (coupon,) = coupons.issue(tpl, 1)
    till = api_as(make_user("cashier", store="S1"))
    body = {
        "code": coupon.code.lower(),
        "reference": "ext-0001",
        "amount": "5.00",
        "store_id": org["stores"]["S1"].pk,
        "phone": "13800138000",
    }

    first = till.post(f"{BASE}/coupons/redeem", body)
    replay = till.post(f"{BASE}/coupons/redeem", body)
    bad_phone = till.post(f"{BASE}/coupons/redeem", {**body, "reference": "x", "phone": "12"})
    reversed_ = till.post(f"{BASE}/coupons/reverse", {"code": coupon.code, "reference": "ext-0001"})

    assert first.status_code == 200, first.json()
    assert replay.json()["redeemed_at"] == first.json()["redeemed_at"]
    assert bad_phone.status_code == 422
    assert reversed_.status_code == 200 and reversed_.json()["reversed_at"] is not None
    unknown = till.post(f"{BASE}/coupons/redeem", {**body, "code": "NOPE", "reference": "y"})
    assert unknown.status_code == 404
