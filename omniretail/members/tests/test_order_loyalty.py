"""Issue #7 end to end: a shopper registers at the till, earns points in store, sees them
online, redeems them online, returns an item in store and sees the reversal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from omniretail.core import events
from omniretail.inventory.models import StockLevel
from omniretail.members.identity import register_member
from omniretail.members.models import Member, PointsEntry
from omniretail.orders import returns
from omniretail.payments import services as payments
from omniretail.payments.models import Refund

pytestmark = pytest.mark.django_db


def _balance_matches_ledger(member: Member) -> int:
    member.refresh_from_db()
    ledger = PointsEntry.objects.filter(member=member).aggregate(s=Sum("points"))["s"] or 0
    assert member.points_balance == ledger
    return member.points_balance


def test_register_earn_see_redeem_return(org, make_user, api_as, frozen_now, make_sku, place):
    customer = make_user("customer")
    member = register_member(
        org["brand"], "13912345678", store=org["stores"]["S1"], consents={}, user=customer
    )
    shopper = api_as(customer)
    assert shopper.get("members/me/points").json()["balance"] == 0

    # In store: 2 × 60.00 at the till, cash; the paid event earns 120 points.
    baijiu = make_sku("LOY1", price="60", stock={"S1": 5})
    till = place((baijiu, 2), channel="pos", mode="pos_carry_out", member_id=member.pk)
    paid = payments.take_payment(
        order_id=till.pk,
        tenders=[payments.TenderIn("cash", Decimal("120.00"), tendered=Decimal("150.00"))],
        reference="till-pay-1",
    )
    assert paid.status == "paid" and paid.change_due == Decimal("30.00")
    events.dispatch_due()
    events.dispatch_due()  # a redelivery never earns twice
    assert _balance_matches_ledger(member) == 120

    # Online: the member sees them.
    seen = shopper.get("members/me/points").json()
    assert seen["balance"] == 120 and seen["available"] == 120

    # Online order of 30.00: 0.50 in points (50 points), the rest by WeChat (sandbox).
    snack = make_sku("LOY2", price="30", stock={"S1": 5})
    web = place((snack, 1), member_id=member.pk)
    online = payments.take_payment(
        order_id=web.pk,
        tenders=[
            payments.TenderIn("points", Decimal("0.50"), member_id=member.pk),
            payments.TenderIn("wechat", Decimal("29.50"), auth_code="134567890123456789"),
        ],
        reference="web-pay-1",
    )
    assert online.status == "paid"
    assert _balance_matches_ledger(member) == 70
    events.dispatch_due()  # the online order earns too: 30 points
    assert _balance_matches_ledger(member) == 100
    assert shopper.get("members/me/points").json()["balance"] == 100

    # Back in another store: one bottle of the till order comes back.
    line = till.lines.get()
    row = returns.return_lines(
        till.pk, [(line.pk, 1)], store_id=org["stores"]["S2"].pk, reference="ret-1", reason="破损"
    )
    assert row.amount == Decimal("60.00") and row.refunded == Decimal("60.00")
    assert Refund.objects.filter(payment__order=till, status="succeeded").count() == 1
    assert StockLevel.objects.get(sku=baijiu, location=org["floor"]["S2"]).on_hand == 1
    assert row.points_reversed == 60  # half the sale returned: half its 120 points
    assert _balance_matches_ledger(member) == 40
    history = shopper.get("members/me/points").json()
    assert history["balance"] == 40
    assert [e["points"] for e in history["items"]][:1] == [-60]

    # A retried return changes nothing.
    again = returns.return_lines(
        till.pk, [(line.pk, 1)], store_id=org["stores"]["S2"].pk, reference="ret-1"
    )
    assert again.pk == row.pk
    events.dispatch_due()
    assert _balance_matches_ledger(member) == 40
