"""Issue #5 "Done when", end to end through the API: a customer's online order is routed to a
store, paid, picked, verified at pickup with its code and returned in ANOTHER store — stock,
refund (through payments) and timeline all correct; tobacco cannot leave online; the
invariants hold (checked here and again by the autouse fixture)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.core import events
from omniretail.core.integrity import check_all
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.orders.models import Notification, Order, OrderReturn

pytestmark = pytest.mark.django_db


def _level(sku, location):
    row = StockLevel.objects.get(sku=sku, location=location)
    return row.on_hand, row.reserved


def test_online_order_routed_picked_up_with_code_and_returned_in_another_store(
    org, make_user, api_as, make_sku, frozen_now
):
    from omniretail.catalog.restrictions import add_restriction
    from omniretail.members.identity import register_member
    from omniretail.payments import services as payments
    from omniretail.payments.models import Refund

    s1, s2 = org["stores"]["S1"], org["stores"]["S2"]
    wine = make_sku("WINE", price="59.90", stock={"S1": 10, "S2": 5})
    cig = make_sku("CIG", price="25", stock={"S1": 10})
    add_restriction(kind="not_sellable", sku=cig, channel="online", note="烟草不得网售")
    member = register_member(org["brand"], "13912345678", store=s1, consents={})
    clerk_s1 = api_as(make_user("store_manager", store="S1"))
    clerk_s2 = api_as(make_user("store_manager", store="S2"))

    # Tobacco cannot leave online: delivery refused, nothing reserved.
    res = clerk_s1.post(
        "orders/routed",
        {
            "store_id": s1.pk,
            "fulfilment_mode": "delivery",
            "reference": "cig-out",
            "latitude": 31.231,
            "longitude": 121.471,
            "lines": [{"sku_id": cig.pk, "quantity": 1}],
        },
    )
    assert res.status_code == 422 and res.json()["code"] == "order_sku_not_sellable"
    assert _level(cig, org["floor"]["S1"]) == (10, 0)

    # The customer orders online for pickup at S1: routed there, stock reserved.
    res = clerk_s1.post(
        "orders/routed",
        {
            "store_id": s1.pk,
            "fulfilment_mode": "pickup",
            "reference": "e2e-1",
            "member_id": member.pk,
            "latitude": 31.231,
            "longitude": 121.471,
            "lines": [{"sku_id": wine.pk, "quantity": 2}],
        },
    )
    assert res.status_code == 200, res.json()
    [body] = res.json()["orders"]
    order = Order.objects.get(pk=body["id"])
    assert order.location_id == org["floor"]["S1"].pk and order.total == Decimal("119.80")
    assert _level(wine, org["floor"]["S1"]) == (10, 2)

    # Paid through payments (WeChat Pay, merchant-scanned code).
    paid = payments.take_payment(
        order_id=order.pk,
        tenders=[payments.TenderIn("wechat", Decimal("119.80"), "134567890123456789")],
        reference="e2e-pay-1",
    )
    assert paid.status == "paid"

    # Picked and ready; the customer is told; the counter verifies the code.
    for step in ("allocate", "pick", "ready"):
        assert clerk_s1.post(f"orders/{order.pk}/{step}").status_code == 200
    events.dispatch_due()
    note = Notification.objects.get(order=order, template="ready_for_pickup")
    assert order.pickup_code in note.body and note.member_id == member.pk
    wrong = clerk_s1.post("orders/pickup/verify", {"store_id": s1.pk, "code": "999999"})
    assert wrong.status_code == 404
    res = clerk_s1.post("orders/pickup/verify", {"store_id": s1.pk, "code": order.pickup_code})
    assert res.status_code == 200 and res.json()["status"] == "completed"
    assert _level(wine, org["floor"]["S1"]) == (8, 0)
    assert Reservation.objects.get(reference=f"{order.number}:1").status == "fulfilled"

    # Returned at S2 (another store): stock back there, refund through payments.
    line_id = order.lines.get().pk
    res = clerk_s2.post(
        f"orders/{order.pk}/returns",
        {
            "store_id": s2.pk,
            "reference": "e2e-ret-1",
            "reason": "不想要了",
            "lines": [{"line_id": line_id, "quantity": 1}],
        },
    )
    assert res.status_code == 201, res.json()
    ret = OrderReturn.objects.get(reference="e2e-ret-1")
    assert (ret.amount, ret.refunded, ret.refund_due) == (Decimal("59.90"), Decimal("59.90"), 0)
    refund = Refund.objects.get(reference__startswith="e2e-ret-1:p")
    assert refund.status == "succeeded" and refund.amount == Decimal("59.90")
    assert _level(wine, org["floor"]["S2"]) == (6, 0)
    assert _level(wine, org["floor"]["S1"]) == (8, 0)

    # The timeline tells the whole story, in order.
    kinds = list(order.events.order_by("at", "pk").values_list("kind", flat=True))
    story = [
        "created",
        "awaiting_payment",
        "routed",
        "paid",
        "allocated",
        "picking",
        "ready_for_pickup",
        "completed",
        "returned",
    ]
    it = iter(kinds)
    assert all(k in it for k in story), kinds
    assert order.events.get(kind="returned").data["reference"] == "e2e-ret-1"
    order.refresh_from_db()
    assert order.paid_at and order.fulfilled_at and order.fulfilled_at <= order.sla_due_at

    assert {k: v for k, v in check_all().items() if v} == {}
