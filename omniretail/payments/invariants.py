"""Payment invariants checked by ``omniretail check-invariants`` (and after every DB test)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Sum

from omniretail.core.integrity import invariant
from omniretail.core.money import to_fen
from omniretail.orders.models import Order
from omniretail.orders.models import OrderStatus as S

from .models import (
    CAPTURED_STATUSES,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)

# Statuses an order reaches only after it was paid (cancelled/refunded orders may be refunded).
PAID_STATUSES = frozenset(
    {
        S.PAID,
        S.ALLOCATED,
        S.PICKING,
        S.READY_FOR_PICKUP,
        S.OUT_FOR_DELIVERY,
        S.SHIPPED,
        S.PARTIALLY_FULFILLED,
        S.COMPLETED,
    }
)


@invariant("payments.ledger_matches_payment")
def ledger_matches_payment() -> Iterator[str]:
    ledger_of = dict(
        LedgerEntry.objects.values_list("payment_id")
        .annotate(s=Sum("amount"))
        .values_list("payment_id", "s")
    )
    refunds_of = dict(
        Refund.objects.filter(status=RefundStatus.SUCCEEDED)
        .values_list("payment_id")
        .annotate(s=Sum("amount"))
        .values_list("payment_id", "s")
    )
    rows = Payment.objects.values_list("pk", "reference", "status", "amount", "refunded_amount")
    for pk, ref, status, amount, refunded in rows.iterator(chunk_size=2000):
        ledger, refunds = ledger_of.get(pk), refunds_of.get(pk)
        held = to_fen(amount) - to_fen(refunded) if status in CAPTURED_STATUSES else 0
        if held != to_fen(ledger or 0):
            yield f"payment {ref}: captured − refunded {held / 100} ≠ ledger {ledger or 0}"
        if held < 0 or to_fen(refunded) > to_fen(amount):
            yield f"payment {ref}: refunded {refunded} exceeds captured {amount}"
        if status in CAPTURED_STATUSES and to_fen(refunds or 0) != to_fen(refunded):
            yield f"payment {ref}: refund rows {refunds or 0} ≠ refunded {refunded}"
        if status in (PaymentStatus.PENDING, PaymentStatus.FAILED) and to_fen(refunded):
            yield f"payment {ref}: refunded without a capture"


@invariant("payments.one_capture_row_per_captured_payment")
def one_capture_row() -> Iterator[str]:
    captured = set(
        Payment.objects.filter(status__in=CAPTURED_STATUSES).values_list("pk", flat=True)
    )
    in_ledger = set(
        LedgerEntry.objects.filter(kind=LedgerKind.CAPTURE).values_list("payment_id", flat=True)
    )
    for pk in sorted(captured ^ in_ledger)[:50]:
        yield f"payment #{pk}: status and capture ledger row disagree"


@invariant("payments.paid_orders_captured_their_total")
def paid_orders_captured_total() -> Iterator[str]:
    """Orders paid through payments captured exactly their total. Orders marked paid without
    any payment row (imports, older tests) are the orders domain's business and skipped."""
    captured = dict(
        LedgerEntry.objects.filter(kind=LedgerKind.CAPTURE)
        .values_list("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    )
    net = dict(
        LedgerEntry.objects.values_list("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    )
    for order in Order.objects.filter(pk__in=list(captured)).only("number", "status", "total"):
        gross = to_fen(captured[order.pk] or 0)
        if order.status in PAID_STATUSES and gross != to_fen(order.total):
            yield f"order {order.number} ({order.status}): captured {gross / 100} ≠ total {order.total}"
        if gross > to_fen(order.total):
            yield f"order {order.number}: captured {gross / 100} above total {order.total}"
        if to_fen(net[order.pk] or 0) < 0:
            yield f"order {order.number}: refunded more than captured"
