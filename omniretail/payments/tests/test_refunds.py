from __future__ import annotations

from decimal import Decimal as D

import pytest

from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.orders.models import OrderStatus
from omniretail.payments.models import LedgerEntry, Payment, PaymentStatus
from omniretail.payments.services import TenderIn, captured_total, refund, take_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(order):
    result = take_payment(
        order_id=order.pk,
        tenders=[TenderIn("wechat", D("70.00"), "1345678901"), TenderIn("cash", D("30.00"))],
        reference="p1",
    )
    return [Payment.objects.get(pk=pk) for pk in result.payment_ids]


def test_partial_refund_is_recorded_when_within_captured(paid):
    wechat = paid[0]
    row = refund(payment_id=wechat.pk, amount=D("20.00"), reason="退货", reference="r1")
    wechat.refresh_from_db()
    assert row.status == "succeeded"
    assert wechat.status == PaymentStatus.PARTIALLY_REFUNDED
    assert wechat.refunded_amount == D("20.00")
    assert LedgerEntry.objects.filter(refund=row).get().amount == D("-20.00")


def test_refund_is_refused_when_above_captured_minus_refunded(paid):
    wechat = paid[0]
    refund(payment_id=wechat.pk, amount=D("50.00"), reason="", reference="r1")
    with pytest.raises(ValidationFailed):
        refund(payment_id=wechat.pk, amount=D("20.01"), reason="", reference="r2")


def test_refund_is_idempotent_when_the_reference_repeats(paid):
    first = refund(payment_id=paid[0].pk, amount=D("5"), reason="", reference="r1")
    assert refund(payment_id=paid[0].pk, amount=D("5"), reason="", reference="r1") == first
    with pytest.raises(Conflict):
        refund(payment_id=paid[0].pk, amount=D("6"), reason="", reference="r1")
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_order_becomes_refunded_when_every_payment_is_fully_refunded(order, paid):
    refund(payment_id=paid[0].pk, amount=D("70"), reason="", reference="r1")
    refund(payment_id=paid[1].pk, amount=D("30"), reason="", reference="r2")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert captured_total(order.pk) == 0


def test_refund_is_refused_when_the_payment_failed(order):
    result = take_payment(
        order_id=order.pk, tenders=[TenderIn("card", D("100"), "X0000")], reference="p2"
    )
    with pytest.raises(InvalidState):
        refund(payment_id=result.payment_ids[0], amount=D("1"), reason="", reference="r3")


def test_stored_value_pays_and_refunds_when_the_wallet_covers_it(order, member):
    from omniretail.members.stored_value import balance_of

    result = take_payment(
        order_id=order.pk,
        tenders=[TenderIn("stored_value", D("30"), member_id=member.pk), TenderIn("cash", D("70"))],
        reference="sv1",
    )
    assert result.status == "paid"
    assert balance_of(member) == 0
    refund(payment_id=result.payment_ids[0], amount=D("10"), reason="", reference="sv-r1")
    assert balance_of(member) == D("10.00")


def test_stored_value_declines_when_the_wallet_is_short(order, member):
    result = take_payment(
        order_id=order.pk,
        tenders=[TenderIn("stored_value", D("30.01"), member_id=member.pk)],
        reference="sv2",
    )
    assert result.status == "failed" and result.failures
