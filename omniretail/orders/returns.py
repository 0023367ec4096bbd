"""Returns in store: goods of a paid order come back at any store of the brand.

One transaction records the return and its lines (quantities never above sold − already
returned, per line), puts the stock back on the returning store's floor, reverses the
member's points in proportion and publishes ``orders.returned``. The money goes back after
commit (payments call their providers outside any transaction), against the order's
captured payments, largest first; what they cannot refund is recorded as ``refund_due``.
Everything is idempotent on the return ``reference``: a retry finishes the refunds only.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.core.models import Store
from omniretail.core.money import from_fen, to_fen
from omniretail.inventory import services as inventory

from . import state
from .errors import OrderError
from .models import Order, OrderLine, OrderReturn, OrderReturnLine
from .models import OrderStatus as S
from .refunding import reverse_points
from .services import _default_location

RETURNABLE = frozenset({S.PAID, S.COMPLETED})
NOT_RETURNABLE = "order_not_returnable"
RETURN_EXCEEDS_SOLD = "order_return_exceeds_sold"
INVALID_RETURN = "order_invalid_return"


def _returned_qty(line: OrderLine) -> int:
    return sum(line.returns.values_list("quantity", flat=True))


def _net_fen(line: OrderLine, quantity: int) -> int:
    """Net of the first ``quantity`` units, rounded down, so the last unit takes the rest and
    a line returned in parts gives back exactly its net."""
    return to_fen(line.net) * quantity // line.quantity


def return_lines(
    order_id: int,
    lines: Sequence[tuple[int, int]],
    *,
    store_id: int,
    reference: str,
    reason: str = "",
    store_ids: frozenset[int] | set[int] | None = None,
) -> OrderReturn:
    """Take back ``lines`` ((order line id, quantity) pairs) of a paid or completed order at
    ``store_id``. ``store_ids`` (the caller's scope) limits the returning store; the order may
    come from any store of the same brand."""
    reference = (reference or "").strip()
    if not 0 < len(reference) <= 100:
        raise ValidationFailed(
            INVALID_RETURN, _("A reference (1–100 characters) is required."), {"field": "reference"}
        )
    prior = OrderReturn.objects.filter(reference=reference).first()
    if prior is not None:
        return _replay(prior, order_id)
    if not lines or len(lines) > 200:
        raise ValidationFailed(INVALID_RETURN, _("Return at least one line."), {"field": "lines"})
    wanted: dict[int, int] = {}
    for line_id, quantity in lines:
        if not 1 <= quantity <= 10_000:
            raise ValidationFailed(
                INVALID_RETURN,
                _("Quantities must be between 1 and %(max)s.") % {"max": 10_000},
                {"line_id": line_id},
            )
        wanted[line_id] = wanted.get(line_id, 0) + quantity
    store = Store.objects.filter(pk=store_id).first()
    if store is None or (store_ids is not None and store_id not in store_ids):
        raise NotFound(_("store"), code=OrderError.UNKNOWN_STORE)
    location = _default_location(store)
    try:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update()
                .filter(pk=order_id, store__brand_id=store.brand_id)
                .first()
                if 0 < order_id < 2**62
                else None
            )
            if order is None:
                raise NotFound(_("order"), code=OrderError.ORDER_NOT_FOUND)
            if order.status not in RETURNABLE:
                raise InvalidState(
                    NOT_RETURNABLE,
                    _("Only a paid or completed order can take returns."),
                    {"status": order.status},
                )
            by_id = {ln.pk: ln for ln in order.lines.filter(pk__in=list(wanted))}
            # Picked short: only what was handed over can come back.
            short = order.events.filter(kind=S.PARTIALLY_FULFILLED).exists()
            unknown = sorted(set(wanted) - set(by_id))
            if unknown:
                raise ValidationFailed(
                    INVALID_RETURN, _("These lines are not on the order."), {"line_ids": unknown}
                )
            row = OrderReturn.objects.create(  # type: ignore[misc]  # MoneyField takes Decimal
                order=order,
                store=store,
                location=location,
                reference=reference,
                reason=reason[:300],
                created_at=clock.now(),
            )
            total_fen = 0
            for line_id, quantity in sorted(wanted.items()):
                line = by_id[line_id]
                before = _returned_qty(line)
                sold = line.fulfilled_quantity if short else line.quantity
                if before + quantity > sold:
                    raise ValidationFailed(
                        RETURN_EXCEEDS_SOLD,
                        _("More is returned than was sold on line %(no)s.") % {"no": line.line_no},
                        {
                            "line_id": line_id,
                            "sold": sold,
                            "already_returned": before,
                            "requested": quantity,
                        },
                    )
                net_fen = _net_fen(line, before + quantity) - _net_fen(line, before)
                total_fen += net_fen
                OrderReturnLine.objects.create(  # type: ignore[misc]
                    order_return=row, order_line=line, quantity=quantity, net=from_fen(net_fen)
                )
                inventory.customer_return(
                    sku_id=line.sku_id,
                    location_id=location.pk,
                    quantity=quantity,
                    reference=f"{reference}:{line.line_no}",
                    reason=reason[:100],
                )
            row.amount = from_fen(total_fen)
            row.points_reversed = reverse_points(order, store, f"return:{reference}", row.amount)
            row.save(update_fields=["amount", "points_reversed"])
            state.record_event(
                order,
                "returned",
                note=reason,
                data={"return_id": row.pk, "reference": reference, "amount": str(row.amount)},
            )
            events.publish(
                "orders.returned",
                {
                    "order_id": order.pk,
                    "number": order.number,
                    "return_id": row.pk,
                    "reference": reference,
                    "store_id": store.pk,
                    "amount": str(row.amount),
                    "lines": [{"line_id": k, "quantity": v} for k, v in sorted(wanted.items())],
                    "points_reversed": row.points_reversed,
                },
                aggregate_type="orders.order",
                aggregate_id=order.pk,
                store_id=store.pk,
            )
            audit.record(
                "orders.return",
                row,
                changes={"order": order.number, "amount": str(row.amount), "lines": len(wanted)},
                reason=reason,
                store_id=store.pk,
                brand_id=store.brand_id,
            )
    except IntegrityError:
        prior = OrderReturn.objects.filter(reference=reference).first()
        if prior is None:
            raise
        return _replay(prior, order_id)
    _refund(row)
    row.refresh_from_db()
    return row


def _replay(prior: OrderReturn, order_id: int) -> OrderReturn:
    if prior.order_id != order_id:
        raise Conflict(
            OrderError.REFERENCE_REUSED,
            _("This return reference was already used for another order."),
            {"reference": prior.reference},
        )
    _refund(prior)
    prior.refresh_from_db()
    return prior


def _refund(row: OrderReturn) -> None:
    """Refund what is still owed for the return; idempotent (see ``refunding``)."""
    from .refunding import refund_against_payments

    done = refund_against_payments(
        row.order_id, row.amount, prefix=f"{row.reference}:", reason=row.reason or "return"
    )
    OrderReturn.objects.filter(pk=row.pk).update(
        refunded=done, refund_due=max(row.amount - done, 0)
    )
