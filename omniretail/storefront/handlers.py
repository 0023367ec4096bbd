"""Storefront reacting to other domains' events (registered at startup by autodiscovery)."""

from __future__ import annotations

from omniretail.core import events
from omniretail.core.models import OutboxEvent


@events.handler("orders.cancelled", name="storefront.refund_cancelled_shop_order")
def refund_cancelled_shop_order(event: OutboxEvent) -> None:
    """A shop order cancelled before it was paid in full (the shopper left the wallet screen,
    the 30-minute unpaid job ran) gives back what was already captured — typically the points
    put on it — through the payments service. Idempotent on the refund reference."""
    from django.utils.translation import gettext as _

    from omniretail.orders.models import Order
    from omniretail.payments import services as payments
    from omniretail.payments.models import CAPTURED_STATUSES, Payment

    order = Order.objects.filter(pk=event.payload.get("order_id")).first()
    if order is None or not order.reference.startswith("shop:"):
        return
    for payment in Payment.objects.filter(order=order, status__in=CAPTURED_STATUSES).order_by("pk"):
        left = payment.amount - payment.refunded_amount
        if left > 0:
            payments.refund(
                payment_id=payment.pk,
                amount=left,
                reason=_("Online order cancelled before payment was complete"),
                reference=f"cancel:{payment.reference}"[:100],
            )
