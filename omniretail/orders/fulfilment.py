"""Goods leaving the location: per-line (partial) fulfilment, parcels with carrier and tracking
number, and carrier scans.

``fulfil_lines`` is the one place a remote order's reservations turn into sales. A line
handed over in full consumes its reservation; a line picked short gives its reservation back
and sells only what was picked (in the same transaction, so nobody else can take the freed
units in between). An order with any short line becomes *partially fulfilled*; each line
keeps ``fulfilled_quantity``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.core import clock, events
from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.inventory import services as inventory
from omniretail.inventory.models import Reservation, ReservationStatus

from . import state
from .errors import OrderError
from .models import FulfilmentMode, Order, OrderLine, Shipment, ShipmentEvent, ShipmentLine
from .models import OrderStatus as S
from .models import ShipmentStatus as SS

CARRIERS = ("SF", "JD", "ZTO", "YTO", "STO", "YUNDA", "EMS", "OWN")
_TRACKING = re.compile(r"^[A-Za-z0-9-]{6,40}$")


def _picked_map(order: Order, picked: Mapping[int, int] | None) -> dict[int, int]:
    lines = {ln.pk: ln for ln in order.lines.all()}
    if picked is None:
        return {pk: ln.quantity for pk, ln in lines.items()}
    unknown = sorted(set(picked) - set(lines))
    if unknown:
        raise ValidationFailed(
            OrderError.INVALID_LINE, _("These lines are not on the order."), {"line_ids": unknown}
        )
    out = {}
    for pk, ln in lines.items():
        qty = int(picked.get(pk, 0))
        if not 0 <= qty <= ln.quantity:
            raise ValidationFailed(
                OrderError.INVALID_LINE,
                _("Line %(no)s: between 0 and %(max)s units can be handed over.")
                % {"no": ln.line_no, "max": ln.quantity},
                {"line_id": pk},
            )
        out[pk] = qty
    if not any(out.values()):
        raise ValidationFailed(
            OrderError.INVALID_LINE, _("Hand over at least one unit; otherwise cancel.")
        )
    return out


def fulfil_lines(order: Order, picked: Mapping[int, int] | None = None) -> dict[int, int]:
    """Sell what leaves (per line), give back what was picked short. Must run inside the
    caller's transaction. Returns line id → units short."""
    quantities = _picked_map(order, picked)
    short: dict[int, int] = {}
    for line in order.lines.select_related("order").order_by("line_no"):
        qty = quantities[line.pk]
        held = Reservation.objects.filter(
            reference=line.reservation_reference, status=ReservationStatus.ACTIVE
        ).exists()
        if qty < line.quantity:
            short[line.pk] = line.quantity - qty
            if held:
                inventory.release(line.reservation_reference)
                held = False
        if qty:
            inventory.sell(
                sku_id=line.sku_id,
                location_id=order.location_id,
                quantity=qty,
                reference=line.sale_reference,
                reservation_reference=line.reservation_reference if held else None,
            )
        OrderLine.objects.filter(pk=line.pk).update(fulfilled_quantity=qty)
    return short


def _leave(order: Order, target: str, short: dict[int, int], **data: object) -> Order:
    if short:
        return state.transition(
            order,
            S.PARTIALLY_FULFILLED,
            note=_("Picked short"),
            short={str(k): v for k, v in short.items()},
            via=target,
            **data,
        )
    return state.transition(order, target, **data)


def ship(
    order: Order,
    *,
    carrier: str,
    tracking_number: str,
    picked: Mapping[int, int] | None = None,
) -> Shipment:
    """Hand a parcel to a carrier: the picked lines are sold, the shipment recorded with its
    first scan, and the order becomes shipped (or partially fulfilled when picked short)."""
    carrier = (carrier or "").strip().upper()
    tracking_number = (tracking_number or "").strip()
    if carrier not in CARRIERS:
        raise ValidationFailed(
            OrderError.INVALID_SHIPMENT,
            _("Unknown carrier; use one of %(list)s.") % {"list": ", ".join(CARRIERS)},
            {"field": "carrier"},
        )
    if not _TRACKING.match(tracking_number):
        raise ValidationFailed(
            OrderError.INVALID_SHIPMENT,
            _("A tracking number has 6–40 letters, digits or dashes."),
            {"field": "tracking_number"},
        )
    if order.fulfilment_mode != FulfilmentMode.SHIP:
        raise ValidationFailed(
            OrderError.INVALID_FULFILMENT,
            _("This order is not fulfilled that way."),
            {"fulfilment_mode": order.fulfilment_mode, "to": S.SHIPPED},
        )
    try:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status != S.PICKING:
                raise InvalidState(
                    OrderError.INVALID_TRANSITION,
                    _("Only an order being picked can be shipped."),
                    {"from": locked.status, "to": S.SHIPPED},
                )
            quantities = _picked_map(locked, picked)
            now = clock.now()
            shipment = Shipment.objects.create(
                order=locked,
                location_id=locked.location_id,
                carrier=carrier,
                tracking_number=tracking_number,
                created_at=now,
            )
            ShipmentLine.objects.bulk_create(
                ShipmentLine(shipment=shipment, order_line_id=pk, quantity=q)
                for pk, q in quantities.items()
                if q
            )
            ShipmentEvent.objects.create(
                shipment=shipment, at=now, status=SS.SHIPPED, description=_("Handed to carrier")
            )
            short = fulfil_lines(locked, quantities)
            _leave(
                order,
                S.SHIPPED,
                short,
                carrier=carrier,
                tracking_number=tracking_number,
                shipment_id=shipment.pk,
            )
    except IntegrityError as exc:
        raise Conflict(
            OrderError.INVALID_SHIPMENT,
            _("This tracking number is already used."),
            {"tracking_number": tracking_number},
        ) from exc
    return shipment


@transaction.atomic
def record_scan(
    shipment: Shipment, status: str, *, description: str = "", place: str = ""
) -> ShipmentEvent:
    """A carrier scan; *delivered* completes a shipped (or partially fulfilled) order."""
    if status not in SS.values:
        raise ValidationFailed(OrderError.INVALID_SHIPMENT, _("Unknown shipment status."))
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if locked.status == SS.DELIVERED:
        raise InvalidState(OrderError.INVALID_SHIPMENT, _("The parcel was already delivered."))
    event = ShipmentEvent.objects.create(
        shipment=locked,
        at=clock.now(),
        status=status,
        description=description[:200],
        place=place[:100],
    )
    locked.status = status
    locked.save(update_fields=["status"])
    order = Order.objects.get(pk=locked.order_id)
    state.record_event(
        order,
        f"shipment_{status}",
        note=description[:300],
        data={"shipment_id": locked.pk, "tracking_number": locked.tracking_number},
    )
    events.publish(
        "orders.shipment_scan",
        {"order_id": order.pk, "shipment_id": locked.pk, "status": status},
        aggregate_type="orders.order",
        aggregate_id=order.pk,
        store_id=order.store_id,
    )
    if status == SS.DELIVERED and order.status in (S.SHIPPED, S.PARTIALLY_FULFILLED):
        state.transition(order, S.COMPLETED, note=_("Delivered"))
    return event
