from __future__ import annotations

from decimal import Decimal as D

import pytest

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.orders.models import OrderStatus
from omniretail.payments.models import LedgerEntry, Payment, PaymentStatus
from omniretail.payments.services import TenderIn, captured_total, take_payment

pytestmark = pytest.mark.django_db


def test_split_tenders_pay_the_order_when_they_sum_to_the_total(order):
    result = take_payment(
        order_id=order.pk,
        tenders=[
            TenderIn("wechat", D("30.00"), auth_code="134567890123"),
            TenderIn("card", D("20.50"), auth_code="T1"),
            TenderIn("alipay", D("49.50"), auth_code="284567890123"),
        ],
        reference="till-1",
    )
    order.refresh_from_db()
    assert result.status == "paid"
    assert result.paid_total == D("100.00")
    assert len(result.payment_ids) == 3 and result.failures == []
    assert order.status == OrderStatus.COMPLETED  # till carry-out sells on payment
    assert captured_total(order.pk) == D("100.00")


def test_cash_gives_change_when_more_is_tendered(order):
    result = take_payment(
        order_id=order.pk,
        tenders=[TenderIn("cash", D("100.00"), tendered=D("150.00"))],
        reference="till-2",
    )
    assert result.status == "paid"
    assert result.change_due == D("50.00")
    assert result.paid_total == D("100.00")


def test_cash_above_due_is_change_when_amount_exceeds_what_is_left(order):
    result = take_payment(
        order_id=order.pk,
        tenders=[TenderIn("card", D("60.00"), "T2"), TenderIn("cash", D("50.00"))],
        reference="till-3",
    )
    assert result.status == "paid"
    assert result.change_due == D("10.00")


def test_declined_tender_captures_nothing_when_the_code_declines(order):
    result = take_payment(
        order_id=order.pk,
        tenders=[
            TenderIn("cash", D("40.00")),
            TenderIn("wechat", D("60.00"), auth_code="134567890000"),
        ],
        reference="till-4",
    )
    order.refresh_from_db()
    assert result.status == "partial"
    assert result.paid_total == D("40.00")
    assert len(result.failures) == 1
    assert order.status == OrderStatus.AWAITING_PAYMENT
    failed = Payment.objects.get(pk=result.payment_ids[1])
    assert failed.status == PaymentStatus.FAILED
    assert not LedgerEntry.objects.filter(payment=failed).exists()
    # the till adds another tender with a new reference
    again = take_payment(
        order_id=order.pk, tenders=[TenderIn("alipay", D("60.00"), "28888")], reference="till-4b"
    )
    assert again.status == "paid"


def test_result_is_failed_when_every_tender_declines(order):
    result = take_payment(
        order_id=order.pk, tenders=[TenderIn("card", D("100.00"), "X0000")], reference="till-5"
    )
    assert result.status == "failed" and result.paid_total == 0


def test_retry_returns_the_same_result_when_the_reference_repeats(order):
    tenders = [TenderIn("wechat", D("100.00"), auth_code="134567890123")]
    first = take_payment(order_id=order.pk, tenders=tenders, reference="till-6")
    second = take_payment(order_id=order.pk, tenders=tenders, reference="till-6")
    assert first == second
    assert Payment.objects.filter(order=order).count() == 1
    assert LedgerEntry.objects.count() == 1


def test_reference_conflicts_when_reused_for_another_order(order, web_order):
    take_payment(order_id=order.pk, tenders=[TenderIn("cash", D("100"))], reference="r-x")
    with pytest.raises(Conflict):
        take_payment(order_id=web_order.pk, tenders=[TenderIn("cash", D("88"))], reference="r-x")


def test_overpaying_is_refused_when_a_non_cash_tender_exceeds_the_total(order):
    with pytest.raises(ValidationFailed):
        take_payment(
            order_id=order.pk, tenders=[TenderIn("card", D("100.01"), "T")], reference="till-7"
        )
    assert not Payment.objects.exists()


def test_sub_fen_amount_is_refused_when_given(order):
    with pytest.raises(ValidationFailed):
        take_payment(order_id=order.pk, tenders=[TenderIn("cash", D("1.001"))], reference="t8")


def test_wechat_stays_pending_when_the_customer_must_confirm(order):
    result = take_payment(
        order_id=order.pk,
        tenders=[TenderIn("wechat", D("100.00"), auth_code="134567899999")],
        reference="till-9",
    )
    order.refresh_from_db()
    assert result.status == "partial" and result.paid_total == 0
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_reference_is_refused_when_empty_or_too_long(order):
    for ref in ("", "x" * 101):
        with pytest.raises(ValidationFailed):
            take_payment(order_id=order.pk, tenders=[TenderIn("cash", D("1"))], reference=ref)


def test_second_request_cannot_overpay_when_a_tender_is_still_pending(order):
    take_payment(
        order_id=order.pk, tenders=[TenderIn("wechat", D("100"), "1399999")], reference="a"
    )
    with pytest.raises(ValidationFailed):
        take_payment(order_id=order.pk, tenders=[TenderIn("card", D("1"), "T")], reference="b")


def test_provider_error_leaves_the_tender_pending_when_the_outcome_is_unknown(order, monkeypatch):
    from omniretail.payments.providers.card import CardTerminalProvider

    def boom(self, request):
        raise TimeoutError("terminal did not answer")

    monkeypatch.setattr(CardTerminalProvider, "charge", boom)
    result = take_payment(
        order_id=order.pk, tenders=[TenderIn("card", D("100"), "T")], reference="c"
    )
    assert result.status == "partial" and result.paid_total == 0
    assert Payment.objects.get().status == PaymentStatus.PENDING
