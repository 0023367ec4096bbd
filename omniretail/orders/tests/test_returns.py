"""Returns in store: stock back at the returning store, proportional refund and points
reversal, over-returns refused, idempotent on the reference."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.core import events
from omniretail.core.errors import InvalidState, ValidationFailed
from omniretail.core.models import AuditLog, OutboxEvent
from omniretail.inventory.models import StockLevel
from omniretail.orders import returns
from omniretail.orders.models import OrderReturn

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(org, frozen_now):
    from omniretail.members.identity import register_member

    return register_member(org["brand"], "13812345678", store=org["stores"]["S1"], consents={})


@pytest.fixture
def paid(make_sku, place, member):
    """A till order of 3 × 33.33 = 99.99 for the member, paid in cash, points earned."""
    from omniretail.payments import services as payments

    sku = make_sku("RET1", price="33.33", stock={"S1": 10})
    order = place((sku, 3), channel="pos", mode="pos_carry_out", member_id=member.pk)
    result = payments.take_payment(
        order_id=order.pk,
        tenders=[payments.TenderIn("cash", Decimal("99.99"), tendered=Decimal("100"))],
        reference="pay-ret-1",
    )
    assert result.status == "paid"
    events.dispatch_due()
    member.refresh_from_db()
    assert member.points_balance == 99
    order.refresh_from_db()
    return order, sku


def _on_hand(sku, location):
    return StockLevel.objects.get(sku=sku, location=location).on_hand


def test_return_at_another_store_puts_stock_back_refunds_and_reverses_points(org, paid, member):
    order, sku = paid
    line = order.lines.get()
    row = returns.return_lines(
        order.pk, [(line.pk, 1)], store_id=org["stores"]["S2"].pk, reference="R-1", reason="坏了"
    )
    assert row.amount == Decimal("33.33")
    assert row.refunded == Decimal("33.33") and row.refund_due == 0
    assert row.points_reversed == 33
    assert _on_hand(sku, org["floor"]["S2"]) == 1
    member.refresh_from_db()
    assert member.points_balance == 66
    assert OutboxEvent.objects.filter(topic="orders.returned").count() == 1
    assert AuditLog.objects.filter(action="orders.return").count() == 1

    again = returns.return_lines(
        order.pk, [(line.pk, 1)], store_id=org["stores"]["S2"].pk, reference="R-1"
    )
    assert again.pk == row.pk
    assert _on_hand(sku, org["floor"]["S2"]) == 1
    member.refresh_from_db()
    assert member.points_balance == 66

    rest = returns.return_lines(
        order.pk, [(line.pk, 2)], store_id=org["stores"]["S1"].pk, reference="R-2"
    )
    assert rest.amount == Decimal("66.66")
    member.refresh_from_db()
    assert member.points_balance == 0
    order.refresh_from_db()
    assert order.status == "refunded"


def test_over_return_is_refused_with_a_code(org, paid):
    order, _sku = paid
    line = order.lines.get()
    with pytest.raises(ValidationFailed) as err:
        returns.return_lines(
            order.pk, [(line.pk, 4)], store_id=org["stores"]["S1"].pk, reference="R-3"
        )
    assert err.value.code == returns.RETURN_EXCEEDS_SOLD
    assert not OrderReturn.objects.exists()


def test_unpaid_order_takes_no_returns(org, make_sku, place):
    sku = make_sku("RET2", price="10")
    order = place((sku, 1), channel="pos", mode="pos_carry_out")
    with pytest.raises(InvalidState):
        returns.return_lines(
            order.pk, [(order.lines.get().pk, 1)], store_id=org["stores"]["S1"].pk, reference="R-4"
        )


def test_return_api(org, paid, make_user, api_as):
    order, _sku = paid
    line = order.lines.get()
    clerk = api_as(make_user("store_manager", store="S2"))
    body = {
        "store_id": org["stores"]["S2"].pk,
        "reference": "R-API",
        "lines": [{"line_id": line.pk, "quantity": 1}],
    }
    response = clerk.post(f"orders/{order.pk}/returns", body)
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "33.33"
    assert response.json()["lines"] == [{"line_id": line.pk, "quantity": 1, "net": "33.33"}]
    over = clerk.post(
        f"orders/{order.pk}/returns",
        {**body, "reference": "R-API-2", "lines": [{"line_id": line.pk, "quantity": 3}]},
    )
    assert over.status_code == 422 and over.json()["code"] == returns.RETURN_EXCEEDS_SOLD
    assert clerk.post(f"orders/{order.pk}/returns", {**body, "extra": 1}).status_code == 422
    outside = clerk.post(
        f"orders/{order.pk}/returns",
        {**body, "reference": "R-API-3", "store_id": org["stores"]["S3"].pk},
    )
    assert outside.status_code == 404
