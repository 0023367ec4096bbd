"""Payment writes: take tenders for an order, confirm asynchronous payments, refund.

Every provider call follows reserve → call → confirm: a short transaction records a pending
``Payment`` (the order row locked, so two tills cannot both reserve the same amount), the
provider is called with no transaction open, and a second short transaction records the
outcome plus its ledger row. A declined tender leaves a failed payment and no money; the order
is marked paid (orders service ``mark_paid``) only when captured tenders equal its total.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.core.money import ZERO, MoneyError, is_whole_fen, quantize
from omniretail.orders import services as orders
from omniretail.orders.models import Order, OrderStatus

from . import providers
from .errors import PaymentError
from .models import (
    CAPTURED_STATUSES,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    TenderKind,
)
from .providers.base import ChargeRequest, Outcome, ProviderResult

MAX_TENDERS = 10
POLL_AFTER = dt.timedelta(minutes=1)
logger = logging.getLogger(__name__)
MAX_AMOUNT = Decimal("10000000")


@dataclass(frozen=True)
class TenderIn:
    kind: str  # "cash" | "card" | "wechat" | "alipay" | "unionpay" | "stored_value" | "points"
    amount: Decimal  # amount applied to the order (fen precision)
    auth_code: str = ""  # 付款码 scanned by the merchant, or card terminal ref
    tendered: Decimal | None = None  # cash handed over (>= amount); change = tendered - amount
    member_id: int | None = None  # for stored_value and points


@dataclass(frozen=True)
class PaymentResult:
    order_id: int
    status: str  # "paid" | "partial" | "failed"
    paid_total: Decimal
    change_due: Decimal
    payment_ids: list[int]
    failures: list[str]


def captured_total(order_id: int) -> Decimal:
    """Captured money still held for the order (captures minus refunds), from the ledger."""
    total = LedgerEntry.objects.filter(order_id=order_id).aggregate(s=Sum("amount"))["s"]
    return quantize(total or 0)


def _gross_captured(order_id: int) -> Decimal:
    total = LedgerEntry.objects.filter(order_id=order_id, kind=LedgerKind.CAPTURE).aggregate(
        s=Sum("amount")
    )["s"]
    return quantize(total or 0)


def _pending_total(order_id: int) -> Decimal:
    total = Payment.objects.filter(order_id=order_id, status=PaymentStatus.PENDING).aggregate(
        s=Sum("amount")
    )["s"]
    return quantize(total or 0)


def _validate(tenders: list[TenderIn]) -> None:
    if not tenders:
        raise ValidationFailed(PaymentError.NO_TENDERS, _("At least one tender is needed."))
    if len(tenders) > MAX_TENDERS:
        raise ValidationFailed(PaymentError.NO_TENDERS, _("Too many tenders."))
    for n, t in enumerate(tenders):
        if t.kind not in TenderKind.values:
            raise ValidationFailed(
                PaymentError.UNKNOWN_KIND, _("Unknown tender kind."), {"tender": n}
            )
        try:
            ok = is_whole_fen(t.amount) and ZERO < t.amount <= MAX_AMOUNT
            ok = ok and (t.tendered is None or is_whole_fen(t.tendered))
        except MoneyError:
            ok = False
        if not ok:
            raise ValidationFailed(
                PaymentError.INVALID_AMOUNT,
                _("Amounts must be positive and in whole fen."),
                {"tender": n},
            )
        if t.tendered is not None and (t.kind != TenderKind.CASH or t.tendered < t.amount):
            raise ValidationFailed(
                PaymentError.TENDERED_TOO_LOW,
                _("Only cash may be tendered, and not less than the amount applied."),
                {"tender": n},
            )


def _result(order: Order, attempt: str) -> PaymentResult:
    payments = list(Payment.objects.filter(attempt=attempt).order_by("position"))
    fully = (
        _gross_captured(order.pk) >= order.total and order.status != OrderStatus.AWAITING_PAYMENT
    )
    ok = [p for p in payments if p.status != PaymentStatus.FAILED]
    status = "paid" if fully else ("partial" if ok else "failed")
    return PaymentResult(
        order_id=order.pk,
        status=status,
        paid_total=quantize(
            sum((p.amount for p in payments if p.status in CAPTURED_STATUSES), ZERO)
        ),
        change_due=quantize(sum((p.change_due for p in payments), ZERO)),
        payment_ids=[p.pk for p in payments],
        failures=[
            f"{p.get_kind_display()}: {p.failure_reason}"
            for p in payments
            if p.status == PaymentStatus.FAILED
        ],
    )


def _reserve(
    order_id: int,
    tenders: list[TenderIn],
    reference: str,
    register_id: int | None,
    shift_id: int | None,
) -> tuple[Order, list[Payment]] | Order:
    """Lock the order, check the tenders fit what is still due, record them pending. Returns
    the bare order when this reference was already used (the retry case)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise NotFound(_("order"), code=PaymentError.ORDER_NOT_FOUND)
        existing = Payment.objects.filter(attempt=reference).first()
        if existing is not None:
            if existing.order_id != order.pk:
                raise Conflict(
                    PaymentError.REFERENCE_REUSED,
                    _("This reference already paid another order."),
                    {"reference": reference},
                )
            return order
        if order.status != OrderStatus.AWAITING_PAYMENT:
            raise InvalidState(
                PaymentError.ORDER_NOT_PAYABLE,
                _("Only an order awaiting payment can be paid."),
                {"status": order.status},
            )
        due = order.total - _gross_captured(order.pk) - _pending_total(order.pk)
        non_cash = sum((t.amount for t in tenders if t.kind != TenderKind.CASH), ZERO)
        if non_cash > due:
            raise ValidationFailed(
                PaymentError.OVERPAYMENT,
                _("Card and mobile tenders cannot exceed the amount due (%(due)s).") % {"due": due},
                {"due": str(due)},
            )
        cash_room = due - non_cash
        now = clock.now()
        rows = []
        for n, t in enumerate(tenders):
            amount, change = t.amount, ZERO
            if t.kind == TenderKind.CASH:
                handed = t.tendered if t.tendered is not None else t.amount
                amount = min(t.amount, cash_room)
                cash_room -= amount
                change = handed - amount
                if amount <= 0:
                    raise ValidationFailed(
                        PaymentError.OVERPAYMENT,
                        _("Nothing is left to pay with this cash tender."),
                        {"tender": n},
                    )
            rows.append(
                Payment.objects.create(  # type: ignore[misc]  # MoneyField takes Decimal
                    order=order,
                    kind=t.kind,
                    amount=amount,
                    tendered=t.tendered if t.kind == TenderKind.CASH else None,
                    change_due=change,
                    provider=providers.provider_name(t.kind),
                    reference=f"{reference}:{n}",
                    attempt=reference,
                    position=n,
                    auth_hint=t.auth_code[-4:],
                    member_id=t.member_id,
                    register_id=register_id,
                    shift_id=shift_id,
                    created_at=now,
                )
            )
    return order, rows


def _confirm(payment: Payment, result: ProviderResult) -> None:
    """Record a provider's answer; idempotent (a payment leaves pending only once)."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.PENDING:
            return
        if result.txn_id:
            locked.provider_txn_id = result.txn_id[:64]
        if result.outcome == Outcome.CAPTURED:
            locked.status, locked.captured_at = PaymentStatus.CAPTURED, clock.now()
            LedgerEntry.objects.create(  # type: ignore[misc]
                payment=locked,
                order_id=locked.order_id,
                kind=LedgerKind.CAPTURE,
                amount=locked.amount,
                provider=locked.provider,
                at=locked.captured_at,
            )
        elif result.outcome == Outcome.DECLINED:
            locked.status = PaymentStatus.FAILED
            locked.failure_reason = (result.message or _("declined"))[:300]
        locked.save()
    payment.refresh_from_db()


def _settle_order(order_id: int) -> None:
    """Mark the order paid once captured tenders cover it (checked under the order lock)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if (
            order.status == OrderStatus.AWAITING_PAYMENT
            and _gross_captured(order.pk) == order.total
        ):
            orders.mark_paid(order, note=_("Paid in full"))


def take_payment(
    *,
    order_id: int,
    tenders: list[TenderIn],
    reference: str,
    register_id: int | None = None,
    shift_id: int | None = None,
) -> PaymentResult:
    """Apply ``tenders`` to the order; idempotent on ``reference`` (a retry answers the first
    call's result and charges nothing). Non-cash tenders may not exceed what is due; cash may
    (the excess is change). Call it outside ``transaction.atomic``: it opens its own short
    transactions so no lock is held while a provider answers. Status "partial" with no
    failures means a tender is pending (customer confirming); the notification or
    ``poll_pending`` completes it and marks the order paid."""
    if not 0 < len(reference) <= 100:
        raise ValidationFailed(
            PaymentError.INVALID_REFERENCE, _("A reference (1–100 characters) is required.")
        )
    _validate(tenders)
    tenders = [
        TenderIn(t.kind, quantize(t.amount), t.auth_code[:64], t.tendered, t.member_id)
        for t in tenders
    ]
    try:
        reserved = _reserve(order_id, tenders, reference, register_id, shift_id)
    except IntegrityError:
        reserved = Order.objects.get(pk=order_id)
    if isinstance(reserved, Order):
        return _result(reserved, reference)
    order, rows = reserved
    for payment, tender in zip(rows, tenders, strict=True):
        request = ChargeRequest(
            payment.reference,
            tender.kind,
            payment.amount,
            tender.auth_code,
            tender.member_id,
            order.store_id,
        )
        try:
            answer = providers.get(payment.provider).charge(request)
        except Exception:  # outcome unknown (timeout, gateway down): stays pending, polled later
            logger.exception("payment %s: provider call failed", payment.reference)
            continue
        _confirm(payment, answer)
    _settle_order(order.pk)
    order.refresh_from_db()
    return _result(order, reference)


def complete_pending(provider: str, txn_id: str, *, success: bool) -> Payment:
    """A provider says a pending payment finished (notification or query). Idempotent."""
    payment = Payment.objects.filter(provider=provider, provider_txn_id=txn_id).first()
    if payment is None:
        raise NotFound(_("payment"), code=PaymentError.UNKNOWN_TRANSACTION)
    outcome = Outcome.CAPTURED if success else Outcome.DECLINED
    _confirm(
        payment, ProviderResult(outcome, txn_id, "" if success else _("payment not completed"))
    )
    if payment.status == PaymentStatus.CAPTURED:
        _settle_order(payment.order_id)
    return payment


def poll_pending(limit: int = 200) -> int:
    """Ask providers about payments still pending after ``POLL_AFTER`` (a lost notification
    or a provider call that timed out) and settle them; returns how many left pending."""
    cutoff = clock.now() - POLL_AFTER
    due = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=cutoff).order_by(
            "created_at", "pk"
        )[:limit]
    )
    settled = 0
    for payment in due:
        if not payment.provider_txn_id:
            continue  # never reached the provider's books: the till retries with a new tender
        answer = providers.get(payment.provider).query(payment.provider_txn_id)
        if answer.outcome == Outcome.PENDING:
            continue
        complete_pending(
            payment.provider, payment.provider_txn_id, success=answer.outcome == Outcome.CAPTURED
        )
        settled += 1
    return settled


def refund(*, payment_id: int, amount: Decimal, reason: str, reference: str) -> Refund:
    """Give back part or all of a captured payment; idempotent on ``reference``. Never more
    than captured minus refunded (pending refunds count, so two clerks cannot both refund)."""
    try:
        amount = quantize(amount)
    except MoneyError as exc:
        raise ValidationFailed(PaymentError.INVALID_AMOUNT, str(exc)) from exc
    if amount <= 0:
        raise ValidationFailed(PaymentError.INVALID_AMOUNT, _("The refund must be positive."))
    if not 0 < len(reference) <= 100:
        raise ValidationFailed(
            PaymentError.INVALID_REFERENCE, _("A reference (1–100 characters) is required.")
        )
    prior = Refund.objects.filter(reference=reference).first()
    if prior is not None:
        return _same_refund(prior, payment_id, amount)
    try:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
            if payment is None:
                raise NotFound(_("payment"), code=PaymentError.PAYMENT_NOT_FOUND)
            if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
                raise InvalidState(
                    PaymentError.NOT_REFUNDABLE, _("Only a captured payment can be refunded.")
                )
            pending = payment.refunds.filter(status=RefundStatus.PENDING).aggregate(
                s=Sum("amount")
            )["s"]
            room = payment.amount - payment.refunded_amount - quantize(pending or 0)
            if amount > room:
                raise ValidationFailed(
                    PaymentError.REFUND_EXCEEDS_CAPTURED,
                    _("At most %(room)s can still be refunded.") % {"room": room},
                    {"refundable": str(room)},
                )
            row = Refund.objects.create(  # type: ignore[misc]
                payment=payment,
                amount=amount,
                reason=reason[:300],
                reference=reference,
                created_at=clock.now(),
            )
    except IntegrityError:
        return _same_refund(Refund.objects.get(reference=reference), payment_id, amount)
    result = providers.get(payment.provider).refund(
        txn_id=payment.provider_txn_id,
        amount=amount,
        reference=reference,
        original_reference=payment.reference,
    )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        row.refresh_from_db()
        row.completed_at = clock.now()
        row.provider_refund_id = result.txn_id[:64]
        if result.outcome == Outcome.CAPTURED:
            row.status = RefundStatus.SUCCEEDED
            locked.refunded_amount += amount
            locked.status = (
                PaymentStatus.REFUNDED
                if locked.refunded_amount == locked.amount
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            locked.save(update_fields=["refunded_amount", "status"])
            LedgerEntry.objects.create(  # type: ignore[misc]
                payment=locked,
                refund=row,
                order_id=locked.order_id,
                kind=LedgerKind.REFUND,
                amount=-amount,
                provider=locked.provider,
                at=row.completed_at,
            )
        else:
            row.status, row.failure_reason = (
                RefundStatus.FAILED,
                (result.message or _("refused"))[:300],
            )
        row.save()
    if row.status == RefundStatus.SUCCEEDED:
        _maybe_mark_refunded(locked.order_id, reason)
    return row


def _same_refund(prior: Refund, payment_id: int, amount: Decimal) -> Refund:
    if prior.payment_id != payment_id or prior.amount != amount:
        raise Conflict(
            PaymentError.REFERENCE_REUSED,
            _("This refund reference was already used for another refund."),
            {"reference": prior.reference},
        )
    return prior


def _maybe_mark_refunded(order_id: int, reason: str) -> None:
    """When nothing captured is left, the order becomes refunded (if its state allows)."""
    if captured_total(order_id) != 0 or _gross_captured(order_id) == 0:
        return
    order = Order.objects.get(pk=order_id)
    from omniretail.orders import state

    if state.can_transition(order.status, OrderStatus.REFUNDED):
        orders.refund(order, reason=reason)
    else:  # e.g. still being picked: the order's own flow decides; leave a note on it
        state.record_event(order, "payments_refunded", note=reason[:300])
