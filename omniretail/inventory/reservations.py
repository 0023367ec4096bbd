"""Reservations: stock held for an order line until fulfilled, cancelled or expired.

Availability for a channel = on hand − expired − reserved − safety buffer (− the walk-in keep
for online channels; zero when the store excludes the SKU from online). ``reserve`` takes the
units with ONE conditional UPDATE whose WHERE clause re-checks that formula on the row as it is
at write time, so concurrent requests from any number of processes can never oversell — on
PostgreSQL the UPDATE waits on the row lock and re-evaluates, on SQLite the IMMEDIATE
transaction serialises writers. The CHECK ``reserved <= on_hand`` is the last guard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from omniretail.core import clock, events
from omniretail.core.errors import Conflict, NotFound

from . import alerts, ledger
from .errors import InventoryError
from .models import Channel, Reservation, ReservationStatus, StockLevel

DEFAULT_HOLD = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Availability:
    sku_id: int
    location_id: int
    on_hand: int
    expired: int
    reserved: int
    safety_buffer: int
    walk_in_keep: int
    online_excluded: bool
    available: int


def availability(level: StockLevel | None, channel: str, today: dt.date) -> int:
    if level is None:
        return 0
    if channel != Channel.WALK_IN and level.online_excluded:
        return 0
    keep = level.walk_in_keep if channel != Channel.WALK_IN else 0
    expired = ledger.expired_on_hand(level.sku_id, level.location_id, today)
    return max(level.on_hand - expired - level.reserved - level.safety_buffer - keep, 0)


def reserve(
    *,
    sku_id: int,
    location_id: int,
    quantity: int,
    reference: str,
    channel: str = Channel.ONLINE,
    hold: dt.timedelta | None = None,
) -> Reservation:
    """Hold ``quantity`` for ``reference`` (one per order line). A retry with the same
    reference returns the existing reservation; a different request under it is refused."""
    quantity = ledger.check_quantity(quantity)
    ledger.get_sku(sku_id)
    ledger.get_location(location_id)
    now = clock.now()
    today = clock.today()
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    reservation = Reservation.objects.create(
                        reference=reference,
                        sku_id=sku_id,
                        location_id=location_id,
                        quantity=quantity,
                        channel=channel,
                        expires_at=now + (hold or DEFAULT_HOLD),
                        created_at=now,
                    )
            except IntegrityError:
                return _existing(reference, sku_id, location_id, quantity)
            taken = _take(sku_id, location_id, quantity, channel, today)
            if not taken:
                level = StockLevel.objects.filter(sku_id=sku_id, location_id=location_id).first()
                if level is not None and channel != Channel.WALK_IN and level.online_excluded:
                    raise Conflict(
                        InventoryError.ONLINE_EXCLUDED,
                        _("This store does not sell this SKU online."),
                    )
                raise Conflict(
                    InventoryError.INSUFFICIENT_STOCK,
                    _("Not enough stock is available to reserve."),
                    {"requested": quantity, "available": availability(level, channel, today)},
                )
    except Conflict as exc:
        if exc.code == InventoryError.INSUFFICIENT_STOCK:
            alerts.record_oversell_attempt(sku_id, location_id, quantity)
        raise
    return reservation


def _take(sku_id: int, location_id: int, quantity: int, channel: str, today: dt.date) -> bool:
    """The single conditional UPDATE that makes overselling impossible."""
    expired = ledger.expired_on_hand(sku_id, location_id, today)
    qs = StockLevel.objects.filter(sku_id=sku_id, location_id=location_id)
    needed = F("reserved") + F("safety_buffer") + quantity + expired
    if channel != Channel.WALK_IN:
        qs = qs.filter(online_excluded=False)
        needed = needed + F("walk_in_keep")
    return bool(qs.filter(on_hand__gte=needed).update(reserved=F("reserved") + quantity))


def _existing(reference: str, sku_id: int, location_id: int, quantity: int) -> Reservation:
    found = Reservation.objects.get(reference=reference)
    if (found.sku_id, found.location_id, found.quantity) != (sku_id, location_id, quantity):
        raise Conflict(
            InventoryError.REFERENCE_REUSED,
            _("This reference already holds a different reservation."),
            {"reference": reference},
        )
    return found


def _close(reservation_id: int, new_status: str) -> bool:
    """Close an active reservation and give its units back: the status flip is conditional,
    so a release racing an expiry returns the units exactly once."""
    with transaction.atomic():
        reservation = Reservation.objects.filter(pk=reservation_id).first()
        if reservation is None:
            return False
        closed = Reservation.objects.filter(
            pk=reservation_id, status=ReservationStatus.ACTIVE
        ).update(status=new_status, closed_at=clock.now())
        if not closed:
            return False
        StockLevel.objects.filter(
            sku_id=reservation.sku_id, location_id=reservation.location_id
        ).update(reserved=F("reserved") - reservation.quantity)
        events.publish(
            f"inventory.reservation_{new_status}",
            {"reference": reservation.reference, "quantity": reservation.quantity},
            aggregate_type="inventory.reservation",
            aggregate_id=reservation.pk,
        )
    return True


def release(reference: str, allowed_locations: frozenset[int] | None = None) -> Reservation:
    """Cancel a reservation (idempotent: releasing a released one changes nothing)."""
    reservation = Reservation.objects.filter(reference=reference).first()
    if reservation is None or (
        allowed_locations is not None and reservation.location_id not in allowed_locations
    ):
        raise NotFound(
            _("reservation"), {"reference": reference}, code=InventoryError.RESERVATION_NOT_FOUND
        )
    if reservation.status == ReservationStatus.FULFILLED:
        raise Conflict(
            InventoryError.RESERVATION_CLOSED, _("A fulfilled reservation cannot be released.")
        )
    _close(reservation.pk, ReservationStatus.RELEASED)
    reservation.refresh_from_db()
    return reservation


def release_expired_reservations(limit: int = 1000) -> int:
    """Expire every active reservation past its time (called by the periodic job)."""
    due = list(
        Reservation.objects.filter(status=ReservationStatus.ACTIVE, expires_at__lte=clock.now())
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if _close(pk, ReservationStatus.EXPIRED))
