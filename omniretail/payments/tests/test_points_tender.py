"""Points as a tender: 100 points = ¥1, idempotent on the payment reference, refunds give
the points back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.members import services as members
from omniretail.payments import services
from omniretail.payments.models import Payment, PaymentStatus
from omniretail.payments.services import TenderIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich(member):
    members.adjust_points(member, 5000, "test grant", reference="grant-1")
    member.refresh_from_db()
    return member


def test_points_pay_part_of_an_online_order_and_the_rest_by_wechat(web_order, rich):
    result = services.take_payment(
        order_id=web_order.pk,
        tenders=[
            TenderIn("points", Decimal("30.00"), member_id=rich.pk),
            TenderIn("wechat", Decimal("58.00"), auth_code="134567890123456789"),
        ],
        reference="pay-pts-1",
    )
    assert result.status == "paid"
    rich.refresh_from_db()
    assert rich.points_balance == 2000
    again = services.take_payment(
        order_id=web_order.pk,
        tenders=[TenderIn("points", Decimal("30.00"), member_id=rich.pk)],
        reference="pay-pts-1",
    )
    assert again.status == "paid"
    rich.refresh_from_db()
    assert rich.points_balance == 2000


def test_points_tender_is_declined_when_the_member_has_too_few(web_order, rich):
    result = services.take_payment(
        order_id=web_order.pk,
        tenders=[TenderIn("points", Decimal("88.00"), member_id=rich.pk)],
        reference="pay-pts-2",
    )
    assert result.status == "failed"
    rich.refresh_from_db()
    assert rich.points_balance == 5000


def test_points_tender_without_member_is_declined(web_order):
    result = services.take_payment(
        order_id=web_order.pk,
        tenders=[TenderIn("points", Decimal("1.00"))],
        reference="pay-pts-3",
    )
    assert result.status == "failed"


def test_refunding_a_points_tender_gives_the_points_back(web_order, rich):
    services.take_payment(
        order_id=web_order.pk,
        tenders=[
            TenderIn("points", Decimal("40.00"), member_id=rich.pk),
            TenderIn("wechat", Decimal("48.00"), auth_code="134567890123456789"),
        ],
        reference="pay-pts-4",
    )
    payment = Payment.objects.get(order=web_order, kind="points")
    row = services.refund(
        payment_id=payment.pk, amount=Decimal("10.00"), reason="return", reference="rf-1"
    )
    assert row.status == "succeeded"
    services.refund(payment_id=payment.pk, amount=Decimal("10.00"), reason="x", reference="rf-1")
    rich.refresh_from_db()
    assert rich.points_balance == 2000
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
