"""Promotion definitions, coupons (issue, resolve, 核销, reversal) and applied-discount rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from omniretail.core import clock
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.promotions import coupons, selectors, services
from omniretail.promotions.engine import price_cart
from omniretail.promotions.errors import PromotionError
from omniretail.promotions.models import AppliedDiscount

pytestmark = pytest.mark.django_db

THRESHOLD = {"tiers": [{"threshold": "100", "discount": "20"}]}


def _promo(shop, code="M1", **kw):
    kw.setdefault("kind", "spend_threshold")
    kw.setdefault("params", THRESHOLD)
    kw.setdefault("status", "active")
    return services.create_promotion(shop["brand"], code=code, name=code, **kw)


def _template(shop, **kw):
    now = clock.now()
    kw.setdefault("kind", "amount_off")
    kw.setdefault("params", {"amount": "10", "min_spend": "50"})
    return coupons.create_template(
        shop["brand"],
        code=kw.pop("code", "T1"),
        name="十元券",
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        **kw,
    )


def test_spend_threshold_refused_when_discount_reaches_threshold(shop):
    with pytest.raises(ValidationFailed) as e:
        _promo(shop, params={"tiers": [{"threshold": "100", "discount": "100"}]})
    assert e.value.code == PromotionError.INVALID_PARAMS


def test_negative_amount_refused_when_defining(shop):
    with pytest.raises(ValidationFailed):
        _promo(shop, kind="amount_off", params={"amount": "-5"})


def test_unknown_sku_refused_when_in_scope_or_params(shop):
    with pytest.raises(ValidationFailed) as e:
        _promo(shop, scope={"sku_ids": [999999]})
    assert e.value.code == PromotionError.UNKNOWN_SKU
    with pytest.raises(ValidationFailed):
        _promo(shop, kind="flash_sale", params={"prices": {"999999": "1"}})


def test_unknown_category_refused_when_in_scope(shop):
    with pytest.raises(ValidationFailed) as e:
        _promo(shop, scope={"category_ids": [987654]})
    assert e.value.code == PromotionError.UNKNOWN_CATEGORY


def test_exclusive_overlap_refused_when_same_priority(shop):
    _promo(shop, "G1", exclusive_group="G")
    with pytest.raises(ValidationFailed) as e:
        _promo(shop, "G2", exclusive_group="G")
    assert e.value.code == PromotionError.EXCLUSIVE_OVERLAP
    _promo(shop, "G3", exclusive_group="G", priority=5)


def test_duplicate_code_conflicts_when_creating(shop):
    _promo(shop)
    with pytest.raises(Conflict):
        _promo(shop)


def test_cart_priced_from_catalog_when_built_by_selector(shop):
    _promo(shop, scope={"category_ids": [shop["cats"]["LIQ"].pk]})
    at = clock.now()
    s = shop["skus"]
    cart = selectors.build_cart(
        shop["brand"].pk,
        [(s["A"].pk, 1), (s["C"].pk, 2)],
        channel="pos",
        store=shop["stores"]["S1"],
        at=at,
    )
    r = price_cart(cart, selectors.active_promotions(shop["brand"].pk, at))
    # A ¥100 is under LIQ (subtree via BAIJIU) → 满100减20; drinks ¥20 not eligible → ¥100
    assert r.total == D("100.00")


def test_unknown_sku_raises_when_pricing(shop):
    with pytest.raises(ValidationFailed) as e:
        selectors.build_cart(
            shop["brand"].pk, [(424242, 1)], channel="pos", store=None, at=clock.now()
        )
    assert e.value.code == PromotionError.UNKNOWN_SKU


def test_coupon_codes_unguessable_and_resolvable_when_issued(shop):
    tpl = _template(shop)
    issued = coupons.issue(tpl, 3)
    assert len({c.code for c in issued}) == 3 and all(len(c.code) == 12 for c in issued)
    defs = coupons.resolve_coupons(
        shop["brand"].pk, [issued[0].code.lower()], channel="online", member_id=None, at=clock.now()
    )
    assert defs[0].code == issued[0].code


def test_coupon_errors_typed_when_expired_foreign_or_wrong_channel(shop):
    tpl = _template(shop, scope={"channels": ["pos"]})
    code = coupons.issue(tpl)[0].code
    later = clock.now() + dt.timedelta(days=31)
    with pytest.raises(ValidationFailed) as e:
        coupons.resolve_coupons(shop["brand"].pk, [code], channel="pos", member_id=None, at=later)
    assert e.value.code == PromotionError.COUPON_EXPIRED
    with pytest.raises(ValidationFailed) as e:
        coupons.resolve_coupons(
            shop["brand"].pk, [code], channel="online", member_id=None, at=clock.now()
        )
    assert e.value.code == PromotionError.COUPON_WRONG_CHANNEL
    with pytest.raises(NotFound):
        coupons.resolve_coupons(
            shop["brand"].pk + 1, [code], channel="pos", member_id=None, at=clock.now()
        )


def test_redeem_idempotent_and_limited_when_single_use(shop):
    code = coupons.issue(_template(shop))[0].code
    brand = shop["brand"].pk
    first = coupons.redeem(brand, code, "R-1", amount="10")
    assert coupons.redeem(brand, code, "R-1").pk == first.pk
    with pytest.raises(Conflict) as e:
        coupons.redeem(brand, code, "R-2")
    assert e.value.code == PromotionError.COUPON_USED_UP
    with pytest.raises(ValidationFailed):
        coupons.resolve_coupons(brand, [code], channel="pos", member_id=None, at=clock.now())


def test_reversal_frees_use_when_goods_returned(shop):
    code = coupons.issue(_template(shop, uses_per_coupon=2))[0].code
    brand = shop["brand"].pk
    coupons.redeem(brand, code, "R-1")
    coupons.redeem(brand, code, "R-2")
    coupons.reverse(brand, code, "R-1", reversal_reference="RET-1")
    coupons.reverse(brand, code, "R-1")  # idempotent
    coupons.redeem(brand, code, "R-3")
    with pytest.raises(InvalidState):
        coupons.redeem(brand, code, "R-1")


def test_per_member_limit_conflicts_when_exceeded(shop):
    from omniretail.members.identity import register_member

    member = register_member(shop["brand"], "13800138000")
    tpl = _template(shop, per_member_limit=1)
    coupons.issue(tpl, member=member)
    with pytest.raises(Conflict):
        coupons.issue(tpl, member=member)


def test_applied_discounts_recorded_once_when_called_twice(shop):
    p = _promo(shop)
    code = coupons.issue(_template(shop))[0].code
    at = clock.now()
    brand = shop["brand"].pk
    s = shop["skus"]
    cart = selectors.build_cart(
        brand,
        [(s["A"].pk, 1), (s["B"].pk, 1)],
        channel="pos",
        store=None,
        at=at,
        coupons=coupons.resolve_coupons(brand, [code], channel="pos", member_id=None, at=at),
    )
    r = price_cart(cart, selectors.active_promotions(brand, at))
    assert r.total == D("120.00")  # 150 − 20 (满100减20) − 10 (coupon, 130 ≥ 50)
    rows = services.record_applied_promotions(shop["brand"], "ORD-1", r)
    again = services.record_applied_promotions(shop["brand"], "ORD-1", r)
    assert [x.pk for x in rows] == [x.pk for x in again]
    assert sum(x.amount for x in rows) == D("30.00")
    assert AppliedDiscount.objects.filter(promotion=p).count() == 2
