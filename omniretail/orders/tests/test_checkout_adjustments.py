"""Checkout adjustments on ``place_order``: coupons priced and redeemed with the order (given
back on cancel), approved price overrides, manual discounts, and typed refusals that write
nothing. Order invariants run after each test automatically."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from omniretail.core import clock
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.orders import services
from omniretail.orders.models import Order, OrderEvent
from omniretail.promotions import coupons
from omniretail.promotions.models import AppliedDiscount, Coupon, CouponRedemption

pytestmark = pytest.mark.django_db


def _coupon(org: dict[str, Any], *, amount: str = "5", min_spend: str = "20", **kw: Any) -> Coupon:
    now = clock.now()
    tpl = coupons.create_template(
        org["brand"],
        code="ADJ",
        name="满20减5",
        kind="amount_off",
        params={"amount": amount, "min_spend": min_spend},
        valid_from=now,
        valid_until=now + dt.timedelta(days=30),
        **kw,
    )
    return coupons.issue(tpl, 1)[0]


def test_coupon_prices_order_and_is_redeemed_once_when_applied(org, make_sku, place):
    sku = make_sku(price="12.50")
    coupon = _coupon(org)
    order = place((sku, 2), coupon_codes=[coupon.code.lower()])
    line = order.lines.get()
    assert (order.list_total, order.discount_total, order.total) == (
        Decimal("25.00"),
        Decimal("5.00"),
        Decimal("20.00"),
    )
    assert line.net == Decimal("20.00") and line.allocations == {f"C{coupon.code}": "5.00"}
    redemption = CouponRedemption.objects.get(coupon=coupon)
    assert redemption.reference == order.number and redemption.amount == Decimal("5.00")
    coupon.refresh_from_db()
    assert coupon.uses == 1
    assert AppliedDiscount.objects.filter(order_ref=order.number, coupon=coupon).count() == 1
    created = OrderEvent.objects.get(order=order, kind="created")
    assert created.data["coupons"] == {coupon.code: "5.00"}
    assert created.data["explanation"]


def test_coupon_is_redeemed_once_when_the_same_order_is_placed_again(org, make_sku, place):
    sku = make_sku(price="30")
    coupon = _coupon(org)
    first = place((sku, 1), ref="same", coupon_codes=[coupon.code])
    again = place((sku, 1), ref="same", coupon_codes=[coupon.code])
    assert again.pk == first.pk
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1


def test_reused_coupon_is_refused_when_its_use_is_consumed(org, make_sku, place):
    sku = make_sku(price="30")
    coupon = _coupon(org)
    place((sku, 1), coupon_codes=[coupon.code])
    with pytest.raises(ValidationFailed) as caught:
        place((sku, 1), coupon_codes=[coupon.code])
    assert caught.value.code == "promotions.coupon_used_up"
    assert Order.objects.count() == 1


def test_cancel_gives_the_coupon_back_when_the_order_used_one(org, make_sku, place):
    sku = make_sku(price="30")
    coupon = _coupon(org)
    order = place((sku, 1), coupon_codes=[coupon.code])
    services.cancel(order, reason="changed mind")
    coupon.refresh_from_db()
    assert coupon.uses == 0
    assert CouponRedemption.objects.get(coupon=coupon).reversed_at is not None
    again = place((sku, 1), coupon_codes=[coupon.code])
    assert again.discount_total == Decimal("5.00")


def test_refund_gives_the_coupon_back_when_a_paid_till_order_is_refunded(org, make_sku, place):
    sku = make_sku(price="30")
    coupon = _coupon(org)
    order = place((sku, 1), channel="pos", mode="pos_carry_out", coupon_codes=[coupon.code])
    services.mark_paid(order)
    services.refund(order, reason="returned")
    coupon.refresh_from_db()
    assert coupon.uses == 0


def test_unknown_coupon_is_refused_and_nothing_written_when_code_does_not_exist(
    org, make_sku, place
):
    sku = make_sku(price="30")
    with pytest.raises(NotFound) as caught:
        place((sku, 1), coupon_codes=["NOSUCHCODE22"])
    assert caught.value.code == "promotions.coupon_not_found"
    assert not Order.objects.exists()


def test_expired_coupon_is_refused_when_its_window_has_passed(org, make_sku, place, frozen_now):
    sku = make_sku(price="30")
    coupon = _coupon(org)
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=clock.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationFailed) as caught:
        place((sku, 1), coupon_codes=[coupon.code])
    assert caught.value.code == "promotions.coupon_expired"
    assert not Order.objects.exists() and not CouponRedemption.objects.exists()


def test_override_changes_line_and_total_when_price_is_approved(org, make_sku, place):
    from omniretail.payments.services import TenderIn, captured_total, take_payment

    cheap, dear = make_sku(price="10"), make_sku(price="100")
    order = place(
        (cheap, 1),
        (dear, 2),
        channel="pos",
        mode="pos_carry_out",
        price_overrides={dear.pk: Decimal("80.00")},
    )
    line = order.lines.get(sku=dear)
    assert (line.unit_price, line.discount, line.net) == (
        Decimal("80.00"),
        Decimal("0.00"),
        Decimal("160.00"),
    )
    assert order.total == Decimal("170.00") and order.discount_total == Decimal("0.00")
    created = OrderEvent.objects.get(order=order, kind="created")
    assert created.data["price_overrides"] == {str(dear.pk): {"list": "100.00", "price": "80.00"}}
    short = take_payment(
        order_id=order.pk, tenders=[TenderIn("card", Decimal("150.00"))], reference="p-short"
    )
    assert short.status != "paid"
    rest = take_payment(
        order_id=order.pk, tenders=[TenderIn("card", Decimal("20.00"))], reference="p-rest"
    )
    assert rest.status == "paid" and captured_total(order.pk) == Decimal("170.00")


def test_override_is_refused_when_above_list_price(org, make_sku, place):
    sku = make_sku(price="10")
    with pytest.raises(ValidationFailed) as caught:
        place((sku, 1), price_overrides={sku.pk: Decimal("10.01")})
    assert caught.value.details["field"] == "price_overrides"
    assert not Order.objects.exists()


def test_override_is_refused_when_negative(org, make_sku, place):
    sku = make_sku(price="10")
    with pytest.raises(ValidationFailed):
        place((sku, 1), price_overrides={sku.pk: Decimal("-1")})
    assert not Order.objects.exists()


def test_adjustment_is_refused_when_it_names_a_sku_outside_the_order(org, make_sku, place):
    sku, other = make_sku(price="10"), make_sku(price="10")
    with pytest.raises(ValidationFailed):
        place((sku, 1), manual_discounts={other.pk: Decimal("1")})
    assert not Order.objects.exists()


def test_manual_discount_comes_off_the_line_after_promotions_when_given(org, make_sku, place):
    sku, other = make_sku(price="12.50"), make_sku(price="8")
    coupon = _coupon(org)
    order = place(
        (sku, 2),
        (other, 1),
        coupon_codes=[coupon.code],
        manual_discounts={sku.pk: Decimal("3.33")},
    )
    line = order.lines.get(sku=sku)
    assert line.allocations["manual"] == "3.33"
    assert line.discount == sum(Decimal(v) for v in line.allocations.values())
    assert line.net == Decimal("25.00") - line.discount
    assert order.total == sum(ln.net for ln in order.lines.all())
    assert order.discount_total == Decimal("8.33")
    created = OrderEvent.objects.get(order=order, kind="created")
    assert created.data["manual_discounts"] == {str(sku.pk): "3.33"}


def test_manual_discount_stops_at_zero_when_larger_than_the_line(org, make_sku, place):
    sku = make_sku(price="10")
    order = place((sku, 1), manual_discounts={sku.pk: Decimal("15")})
    line = order.lines.get()
    assert (line.discount, line.net, order.total) == (
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_manual_discount_is_refused_when_not_whole_fen(org, make_sku, place):
    sku = make_sku(price="10")
    with pytest.raises(ValidationFailed):
        place((sku, 1), manual_discounts={sku.pk: Decimal("0.005")})
    assert not Order.objects.exists()


def test_api_order_prices_with_coupon_when_codes_are_posted(org, make_sku, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))
    sku = make_sku(price="30")
    coupon = _coupon(org)
    body = {
        "store_id": org["stores"]["S1"].pk,
        "channel": "online",
        "fulfilment_mode": "pickup",
        "reference": "web-coupon-1",
        "lines": [{"sku_id": sku.pk, "quantity": 1}],
        "coupon_codes": [coupon.code],
    }
    created = api.post("orders/", body)
    assert created.status_code == 200, created.json()
    assert created.json()["total"] == "25.00"
    refused = api.post("orders/", {**body, "reference": "web-coupon-2"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "promotions.coupon_used_up"
    assert Order.objects.count() == 1


def test_till_checkout_charges_coupon_override_and_manual_discount_when_all_are_given(
    org, make_sku, make_user
):
    from omniretail.payments.services import TenderIn, captured_total
    from omniretail.pos import services as pos

    cashier = make_user("cashier", store="S1")
    register = pos.create_register(store_id=org["stores"]["S1"].pk, code="R9", name="九号台")
    shift = pos.open_shift(register=register, cashier_id=cashier.pk, opening_float="100")
    sku, other = make_sku(price="30"), make_sku(price="100")
    coupon = _coupon(org, scope={"sku_ids": [sku.pk]})
    # 30 − 5 (coupon) − 2 (manual) = 23; 100 overridden to 90 → 113 in all.
    done = pos.checkout(
        shift=shift,
        lines=[
            pos.CheckoutLine(sku.pk, 1, manual_discount=Decimal("2.00")),
            pos.CheckoutLine(other.pk, 1, override_price=Decimal("90.00")),
        ],
        tenders=[TenderIn("cash", Decimal("113.00"), tendered=Decimal("120.00"))],
        reference="till-adj-1",
        coupon_codes=[coupon.code],
    )
    assert done.order.total == Decimal("113.00")
    assert captured_total(done.order.pk) == Decimal("113.00")
    assert CouponRedemption.objects.get(coupon=coupon).reference == done.order.number
