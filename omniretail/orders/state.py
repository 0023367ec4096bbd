"""The order state machine: an explicit table of allowed moves, and the one function that
makes a move (locks the row, writes an ``OrderEvent``, publishes ``orders.<status>``).

Stock side effects (reserve, sell, release) live in ``services``; this module only guards
and records status changes so every path through the table is testable on its own.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import clock, events
from omniretail.core.context import current_actor
from omniretail.core.errors import InvalidState

from .errors import OrderError
from .models import Order, OrderEvent
from .models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.AWAITING_PAYMENT, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.ALLOCATED, S.COMPLETED, S.CANCELLED, S.REFUNDED}),
    S.ALLOCATED: frozenset({S.PICKING, S.CANCELLED}),
    S.PICKING: frozenset(
        {S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY, S.SHIPPED, S.PARTIALLY_FULFILLED, S.CANCELLED}
    ),
    S.READY_FOR_PICKUP: frozenset({S.COMPLETED, S.CANCELLED}),
    S.OUT_FOR_DELIVERY: frozenset({S.COMPLETED, S.PARTIALLY_FULFILLED}),
    S.SHIPPED: frozenset({S.COMPLETED, S.PARTIALLY_FULFILLED}),
    S.PARTIALLY_FULFILLED: frozenset({S.COMPLETED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


# Reaching one of these stops the SLA clock (the goods are ready or on their way).
FULFILLED_STATUSES = frozenset(
    {S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY, S.SHIPPED, S.PARTIALLY_FULFILLED}
)


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def record_event(
    order: Order,
    kind: str,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    actor = current_actor()
    return OrderEvent.objects.create(
        order=order,
        kind=kind[:40],
        from_status=from_status,
        to_status=to_status,
        at=clock.now(),
        user_id=actor.user_id,
        actor_label=actor.label[:150],
        device=actor.device[:100],
        ip_address=(actor.ip_address or "")[:45],
        note=note[:300],
        data=data or {},
    )


def transition(order: Order, target: str, *, note: str = "", **data: Any) -> Order:
    """Move ``order`` to ``target`` or refuse with ``InvalidState``. Re-reads the row under
    lock, so two clerks pressing the same button cannot both succeed."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not can_transition(locked.status, target):
            raise InvalidState(
                OrderError.INVALID_TRANSITION,
                _("An order that is %(current)s cannot become %(target)s.")
                % {"current": S(locked.status).label, "target": S(target).label},
                {"from": locked.status, "to": target},
            )
        previous = locked.status
        now = clock.now()
        locked.status = target
        locked.updated_at = now
        fields = ["status", "updated_at"]
        if target == S.READY_FOR_PICKUP:
            locked.ready_at = now
            fields.append("ready_at")
        if target == S.PAID and locked.paid_at is None:
            from .sla import due_at

            locked.paid_at = now
            locked.sla_due_at = due_at(locked, now)
            fields += ["paid_at", "sla_due_at"]
        if target in FULFILLED_STATUSES and locked.fulfilled_at is None:
            locked.fulfilled_at = now
            fields.append("fulfilled_at")
        locked.save(update_fields=fields)
        record_event(locked, target, from_status=previous, to_status=target, note=note, data=data)
        events.publish(
            f"orders.{target}",
            {
                "order_id": locked.pk,
                "number": locked.number,
                "channel": locked.channel,
                "from": previous,
                "to": target,
                "total": str(locked.total),
                **data,
            },
            aggregate_type="orders.order",
            aggregate_id=locked.pk,
            store_id=locked.store_id,
        )
    order.status, order.updated_at, order.ready_at = locked.status, now, locked.ready_at
    order.paid_at, order.sla_due_at = locked.paid_at, locked.sla_due_at
    order.fulfilled_at = locked.fulfilled_at
    return order
