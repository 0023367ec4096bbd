"""Units picked short are paid back: the order's payments refund their net, the points they
earned are taken back, once however often the event is delivered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.core import events
from omniretail.core.integrity import check_all
from omniretail.orders import fulfilment, returns, services
from omniretail.orders.models import OrderStatus
from omniretail.payments import services as payments
from omniretail.payments.models import Refund

pytestmark = pytest.mark.django_db


def _paid_and_picking(order, tenders, reference):
    result = payments.take_payment(order_id=order.pk, tenders=tenders, reference=reference)
    assert result.status == "paid"
    order.refresh_from_db()
    services.allocate(order)
    services.start_picking(order)
    return order


def test_units_picked_short_are_refunded_once_when_the_event_is_delivered_twice(
    org, make_sku, place
):
    wine, water = make_sku("W1", price="99", stock={"S1": 5}), make_sku("W2", price="3")
    order = place((wine, 3), (water, 2), mode="ship")
    assert order.total == Decimal("303.00")
    order = _paid_and_picking(
        order,
        [payments.TenderIn("wechat", Decimal("303.00"), auth_code="134567890123456789")],
        "pay-short-1",
    )
    wine_line, water_line = order.lines.order_by("line_no")
    fulfilment.ship(
        order,
        carrier="SF",
        tracking_number="SF55550001",
        picked={wine_line.pk: 2, water_line.pk: 2},
    )
    events.dispatch_due()
    events.dispatch_due()  # redelivery: nothing more
    refund = Refund.objects.get(reference__startswith=f"short:{order.number}:")
    assert (refund.status, refund.amount) == ("succeeded", Decimal("99.00"))
    assert payments.captured_total(order.pk) == Decimal("204.00")
    event = order.events.get(kind="short_refunded")
    assert event.data["refunded"] == "99.00" and event.data["due"] == "0.00"
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_FULFILLED
    assert not any(check_all().values())


def test_short_and_returned_units_together_never_refund_more_than_the_line_cost(
    org, make_sku, place
):
    """10.00 for 3 units: one short gets 3.34 back, the two handed over return for 6.66."""
    sku = make_sku("S3", price="10", stock={"S1": 5})
    order = place((sku, 3), mode="ship", manual_discounts={sku.pk: Decimal("20.00")})
    assert order.total == Decimal("10.00")
    order = _paid_and_picking(order, [payments.TenderIn("card", Decimal("10.00"))], "pay-short-2")
    line = order.lines.get()
    fulfilment.ship(order, carrier="SF", tracking_number="SF55550002", picked={line.pk: 2})
    events.dispatch_due()
    services.complete(order)
    back = returns.return_lines(
        order.pk, [(line.pk, 2)], store_id=org["stores"]["S2"].pk, reference="ret-short-2"
    )
    short = Refund.objects.get(reference__startswith=f"short:{order.number}:")
    assert (short.amount, back.refunded, back.refund_due) == (
        Decimal("3.34"),
        Decimal("6.66"),
        Decimal("0.00"),
    )
    assert payments.captured_total(order.pk) == Decimal("0.00")
    assert not any(check_all().values())


def test_nothing_is_refunded_when_every_unit_was_handed_over(org, make_sku, place):
    sku = make_sku("S4", price="20", stock={"S1": 5})
    order = _paid_and_picking(
        place((sku, 2), mode="ship"),
        [payments.TenderIn("card", Decimal("40.00"))],
        "pay-short-3",
    )
    fulfilment.ship(order, carrier="SF", tracking_number="SF55550003")
    events.dispatch_due()
    assert not Refund.objects.exists()
    assert not order.events.filter(kind="short_refunded").exists()
