"""Members reacting to other domains' events (registered at startup by autodiscovery)."""

from __future__ import annotations

from omniretail.core import events
from omniretail.core.models import OutboxEvent


@events.handler("orders.paid", name="members.earn_points_on_paid_order")
def earn_points_on_paid_order(event: OutboxEvent) -> None:
    """A paid order of a member earns points on its lines' net amount, under the order number
    as sale reference (so a redelivered event returns the first entry, never earns twice).
    Category/SKU multipliers of the earn rules apply (e.g. 0 % on tobacco if so configured)."""
    from omniretail.orders.models import Order

    from . import points
    from .models import Member, MemberStatus

    order = Order.objects.select_related("store").filter(pk=event.payload.get("order_id")).first()
    if order is None or not order.member_id:
        return
    member = Member.objects.filter(pk=order.member_id, brand_id=order.store.brand_id).first()
    if member is None or member.status != MemberStatus.ACTIVE:
        return
    lines = [
        points.SaleLine(ln.net, ln.sku_id, ln.sku.product.category_id)
        for ln in order.lines.select_related("sku__product").order_by("line_no")
    ]
    net = sum((ln.net for ln in order.lines.all()), start=order.total * 0)
    points.earn_points_for_sale(member, net, order.number, order.store, lines=lines)
