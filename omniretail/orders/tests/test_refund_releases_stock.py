"""A paid order refunded before it leaves the store gives its units back to the shelf."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.core.integrity import check_all
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.orders.invariants import closed_orders_hold_no_stock
from omniretail.orders.models import Order, OrderStatus
from omniretail.payments import services as payments

pytestmark = pytest.mark.django_db


def test_reservations_are_released_when_a_paid_pickup_order_is_refunded_in_full(
    org, make_sku, place
):
    sku = make_sku("RF1", price="50", stock={"S1": 4})
    order = place((sku, 3))
    paid = payments.take_payment(
        order_id=order.pk,
        tenders=[payments.TenderIn("wechat", Decimal("150.00"), auth_code="134567890123456789")],
        reference="pay-rf-1",
    )
    assert paid.status == "paid"
    level = StockLevel.objects.get(sku=sku, location=org["floor"]["S1"])
    assert (level.on_hand, level.reserved) == (4, 3)
    payment = order.payments.get()
    payments.refund(
        payment_id=payment.pk, amount=Decimal("150.00"), reason="顾客取消", reference="rf-1"
    )
    order.refresh_from_db()
    level.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert (level.on_hand, level.reserved) == (4, 0)
    assert Reservation.objects.get(reference=f"{order.number}:1").status == "released"
    assert not any(check_all().values())


def test_invariant_names_a_closed_order_that_still_holds_stock(org, make_sku, place):
    sku = make_sku("RF2", price="5", stock={"S1": 2})
    order = place((sku, 1))
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)  # corrupt on purpose
    found = list(closed_orders_hold_no_stock())
    assert found == [f"order {order.number} (cancelled) still holds reservation {order.number}:1"]
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.AWAITING_PAYMENT)
