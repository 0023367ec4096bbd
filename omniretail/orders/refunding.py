"""Money back to the customer for part of a paid order: returned goods, units picked short.

Both refund against the order's captured payments, largest refundable first, one refund per
payment whose reference is ``<prefix>p<payment id>`` — so a retry (a client resending the
return, the outbox redelivering an event) finds what was already refunded and only finishes
the rest. Payments call their providers outside any lock of ours; what no payment can give
back is left for the caller to record as due.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from omniretail.core.errors import DomainError, NotFound

logger = logging.getLogger(__name__)


def refunded_so_far(order_id: int, prefix: str) -> Decimal:
    """What the refunds named ``<prefix>p…`` of this order have given back."""
    from omniretail.payments.models import Refund, RefundStatus

    return sum(
        (
            r.amount
            for r in Refund.objects.filter(
                payment__order_id=order_id,
                reference__startswith=f"{prefix}p",
                status=RefundStatus.SUCCEEDED,
            )
        ),
        Decimal("0.00"),
    )


def refund_against_payments(order_id: int, owed: Decimal, *, prefix: str, reason: str) -> Decimal:
    """Refund up to ``owed`` (minus what ``prefix`` refunds already gave back) from the order's
    captured payments; the total refunded under ``prefix`` afterwards."""
    from omniretail.payments import services as payments
    from omniretail.payments.models import Payment, PaymentStatus, Refund, RefundStatus

    done = refunded_so_far(order_id, prefix)
    left = owed - done
    payable = sorted(
        Payment.objects.filter(
            order_id=order_id,
            status__in=[PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED],
        ),
        key=lambda p: (-(p.amount - p.refunded_amount), p.pk),
    )
    for payment in payable:
        if left <= 0:
            break
        ref = f"{prefix}p{payment.pk}"
        if len(ref) > 100 or Refund.objects.filter(reference=ref).exists():
            continue
        take = min(left, payment.amount - payment.refunded_amount)
        if take <= 0:
            continue
        try:
            refund = payments.refund(
                payment_id=payment.pk, amount=take, reason=reason, reference=ref
            )
        except DomainError:
            logger.warning("refund %s: payment %s could not refund", prefix, payment.pk)
            continue
        if refund.status == RefundStatus.SUCCEEDED:
            done += take
            left -= take
    return done


def reverse_points(order: Any, store: Any, key: str, amount: Decimal) -> int:
    """Points the refunded part of the sale earned, taken back (idempotent on ``key``); 0
    without an active member of the store's brand or when the sale earned nothing."""
    if not order.member_id or amount <= 0:
        return 0
    from omniretail.members import services as members
    from omniretail.members.models import Member, MemberStatus

    member = Member.objects.filter(pk=order.member_id, brand_id=store.brand_id).first()
    if member is None or member.status != MemberStatus.ACTIVE:
        return 0
    try:
        entry = members.reverse_points_for_return(member, order.number, key, amount, store)
    except NotFound:
        return 0
    return -entry.points
