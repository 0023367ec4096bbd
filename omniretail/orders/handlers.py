"""Orders reacting to its own events after commit: customer and staff notifications."""

from __future__ import annotations

from omniretail.core import events
from omniretail.core.models import OutboxEvent


def _order(event: OutboxEvent):  # type: ignore[no-untyped-def]
    from .models import Order

    return Order.objects.select_related("store").filter(pk=event.payload.get("order_id")).first()


@events.handler("orders.ready_for_pickup", name="orders.notify_ready_for_pickup")
def notify_ready_for_pickup(event: OutboxEvent) -> None:
    """The customer's "ready for pickup" message (in-app, to the member) with the code."""
    from .notify import notify

    order = _order(event)
    if order is None:
        return
    notify(order, "ready_for_pickup", "in_app", member_id=order.member_id)


@events.handler("orders.sla_overdue", name="orders.notify_sla_overdue")
def notify_sla_overdue(event: OutboxEvent) -> None:
    """The store's staff see overdue orders in their in-app list."""
    from .notify import notify

    order = _order(event)
    if order is None:
        return
    notify(order, "sla_overdue", "in_app", minutes=event.payload.get("minutes_late", 0))


@events.handler("orders.out_for_delivery", name="orders.notify_out_for_delivery")
def notify_out_for_delivery(event: OutboxEvent) -> None:
    from .notify import notify

    order = _order(event)
    if order is None or not order.member_id:
        return
    notify(order, "out_for_delivery", "in_app", member_id=order.member_id)


@events.handler("orders.shipped", name="orders.notify_shipped")
def notify_shipped(event: OutboxEvent) -> None:
    from .notify import notify

    order = _order(event)
    if order is None or not order.member_id:
        return
    notify(
        order,
        "shipped",
        "in_app",
        member_id=order.member_id,
        carrier=event.payload.get("carrier") or "-",
        tracking=event.payload.get("tracking_number") or "-",
    )


@events.handler("orders.partially_fulfilled", name="orders.refund_short_picked")
def refund_short_picked(event: OutboxEvent) -> None:
    """The customer gets back what they paid for units picked short."""
    from .short_refunds import refund_short_picked as refund

    refund(int(event.payload.get("order_id") or 0))
