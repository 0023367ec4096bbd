"""Money back for units picked short.

A paid online order that leaves the store with fewer units than ordered (the shelf was
empty, a bottle broke) becomes *partially fulfilled*; the customer paid for units they will
never get. When that event is dispatched (outbox, after the fulfilment committed), the net
of the missing units goes back to the order's payments and the points those units earned are
taken back. Retries are harmless: refunds are named ``short:<order>:p<payment>`` and the
points reversal is idempotent on its reference.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core.money import from_fen, to_fen

from .models import Order
from .models import OrderStatus as S
from .refunding import refund_against_payments, refunded_so_far, reverse_points
from .state import record_event

EVENT_KIND = "short_refunded"


def short_amount(order: Order) -> Decimal:
    """Net of the units not handed over. A line's handed-over units keep ``net × fulfilled //
    quantity`` (what a later return of them gives back), the missing ones the rest, so
    refunds for a line never add up to more than it cost."""
    owed = 0
    for line in order.lines.all():
        if line.fulfilled_quantity < line.quantity:
            net = to_fen(line.net)
            owed += net - net * line.fulfilled_quantity // line.quantity
    return from_fen(owed)


def refund_short_picked(order_id: int) -> Decimal:
    """Refund what the customer paid for units picked short; the amount refunded now."""
    order = Order.objects.select_related("store").filter(pk=order_id).first()
    if order is None or not order.events.filter(kind=S.PARTIALLY_FULFILLED).exists():
        return Decimal("0.00")
    owed = short_amount(order)
    if owed <= 0:
        return Decimal("0.00")
    prefix = f"short:{order.number}:"
    before = refunded_so_far(order.pk, prefix)
    done = refund_against_payments(order.pk, owed, prefix=prefix, reason=_("Picked short"))
    first_time = not order.events.filter(kind=EVENT_KIND).exists()
    if done == before and not first_time:
        return Decimal("0.00")
    with transaction.atomic():
        points = reverse_points(order, order.store, f"short:{order.number}", done)
        record_event(
            order,
            EVENT_KIND,
            note=_("Refund for units picked short"),
            data={
                "owed": str(owed),
                "refunded": str(done),
                "due": str(owed - done),
                "points_reversed": points,
            },
        )
    return done - before
