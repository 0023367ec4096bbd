"""Stock movements: receipt, sale, return, adjustment, write-off, FEFO relocation.

Each function is one transaction: lock the affected level rows in pk order, check, post
ledger rows through ``ledger.post``, evaluate alerts. Sales and receipts carry a client
reference: a retry with the same reference returns the first outcome and moves nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, NotFound, ValidationFailed

from . import alerts, ledger
from .errors import InventoryError
from .ledger import Posted
from .models import (
    Batch,
    Movement,
    MovementKind,
    Reservation,
    ReservationStatus,
    StockBatch,
    StockLevel,
)


@dataclass
class MovementResult:
    reference: str
    movements: list[Posted] = field(default_factory=list)
    replayed: bool = False

    @property
    def quantity(self) -> int:
        return sum(p.quantity for p in self.movements)

    @property
    def value_fen(self) -> int:
        return sum(p.value_fen for p in self.movements)


def _replay(reference: str, kind: str) -> MovementResult:
    rows = Movement.objects.filter(reference=reference, kind=kind).order_by("pk")
    return MovementResult(
        reference,
        [Posted(m.pk, m.batch_id, m.quantity, m.value_fen) for m in rows],
        replayed=True,
    )


def receive(
    *,
    sku_id: int,
    location_id: int,
    quantity: int,
    unit_cost_fen: int,
    reference: str,
    lot_code: str | None = None,
    production_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
    reason: str = "",
) -> MovementResult:
    """Goods receipt at ``unit_cost_fen``; idempotent on ``reference``."""
    quantity = ledger.check_quantity(quantity)
    if isinstance(unit_cost_fen, bool) or not isinstance(unit_cost_fen, int) or unit_cost_fen < 0:
        raise ValidationFailed(InventoryError.INVALID_QUANTITY, _("Unit cost must be whole fen."))
    sku = ledger.get_sku(sku_id)
    ledger.get_location(location_id)
    with transaction.atomic():
        if not ledger.claim_operation(f"receipt:{reference}", MovementKind.RECEIPT):
            return _replay(reference, MovementKind.RECEIPT)
        batch = ledger.get_or_create_batch(sku, lot_code, production_date, expiry_date)
        level = ledger.lock_levels([(sku_id, location_id)])[(sku_id, location_id)]
        posted = ledger.post(
            level,
            batch,
            quantity,
            MovementKind.RECEIPT,
            reason=reason,
            reference=reference,
            unit_cost_fen=unit_cost_fen,
        )
        alerts.evaluate_level(level)
    return MovementResult(reference, [posted])


@dataclass(frozen=True)
class SaleLine:
    sku_id: int
    quantity: int
    reference: str
    reservation_reference: str | None = None


def sell(
    *,
    sku_id: int,
    location_id: int,
    quantity: int,
    reference: str,
    reservation_reference: str | None = None,
) -> MovementResult:
    """Sell sellable (unexpired) stock FEFO; from a reservation, or from what is free.

    Idempotent on ``reference``: the second call returns the first sale's movements.
    The sale's negative ``value_fen`` is its cost of goods sold.
    """
    line = SaleLine(sku_id, quantity, reference, reservation_reference)
    return sell_many(location_id=location_id, lines=[line])[0]


def sell_many(*, location_id: int, lines: list[SaleLine]) -> list[MovementResult]:
    """``sell`` for a whole basket at one location, all or nothing in one transaction.

    Each line keeps ``sell``'s rules and its own idempotent reference; the look-ups (SKUs,
    claims, levels, batches, expired stock) are made once for the basket rather than once per
    line, which is most of a till checkout's database time.
    """
    for line in lines:
        ledger.check_quantity(line.quantity)
    ledger.get_skus(line.sku_id for line in lines)
    ledger.get_location(location_id)
    today = clock.today()
    results: list[MovementResult] = []
    current: SaleLine | None = None
    try:
        with transaction.atomic():
            claimed = ledger.claim_operations(
                (f"sale:{line.reference}" for line in lines), MovementKind.SALE
            )
            todo = {line.sku_id for line in lines}
            levels = ledger.lock_levels((sku_id, location_id) for sku_id in todo)
            batches = ledger.sellable_batches_by_sku(todo, location_id, today)
            expired = ledger.expired_on_hand_by_sku(todo, location_id, today)
            for line in lines:
                current = line
                key = f"sale:{line.reference}"[:150]
                if key not in claimed:
                    results.append(_replay(line.reference, MovementKind.SALE))
                    continue
                claimed.discard(key)  # the same reference twice in a basket: sold once
                level = levels[(line.sku_id, location_id)]
                sku_batches = batches.setdefault(line.sku_id, [])
                if line.reservation_reference:
                    _consume_reservation(line.reservation_reference, level, line.quantity)
                else:
                    _check_free(level, line.quantity, expired.get(line.sku_id, 0))
                posted = ledger.issue_fefo(
                    level,
                    line.quantity,
                    MovementKind.SALE,
                    today=today,
                    reference=line.reference,
                    batches=sku_batches,
                )
                results.append(MovementResult(line.reference, posted))
            current = None
            for level in levels.values():
                alerts.evaluate_level(level)
    except Conflict as exc:
        if exc.code == InventoryError.INSUFFICIENT_STOCK and current is not None:
            alerts.record_oversell_attempt(current.sku_id, location_id, current.quantity)
        raise
    return results


def _check_free(level: StockLevel, quantity: int, expired: int) -> None:
    """Refuse a sale the free, unexpired stock cannot cover (unless negative stock is allowed).
    ``level.on_hand`` is current in memory, so a SKU on two lines of a basket counts once."""
    sellable = level.on_hand - expired
    if level.allow_negative or sellable - level.reserved >= quantity:
        return
    if level.on_hand - level.reserved >= quantity:
        raise Conflict(
            InventoryError.EXPIRED_STOCK,
            _("Only expired stock is left for part of this quantity."),
            {"requested": quantity},
        )
    raise Conflict(
        InventoryError.INSUFFICIENT_STOCK,
        _("Not enough stock is available."),
        {"requested": quantity, "available": max(sellable - level.reserved, 0)},
    )


def _consume_reservation(reference: str, level: StockLevel, quantity: int) -> None:
    reservation = (
        Reservation.objects.select_for_update()
        .filter(reference=reference, sku_id=level.sku_id, location_id=level.location_id)
        .first()
    )
    if reservation is None:
        raise NotFound(
            _("reservation"), {"reference": reference}, code=InventoryError.RESERVATION_NOT_FOUND
        )
    if reservation.status != ReservationStatus.ACTIVE:
        raise Conflict(
            InventoryError.RESERVATION_CLOSED,
            _("The reservation is no longer active."),
            {"status": reservation.status},
        )
    if reservation.quantity != quantity:
        raise ValidationFailed(
            InventoryError.INVALID_QUANTITY,
            _("Fulfil the reserved quantity exactly."),
            {"reserved": reservation.quantity},
        )
    reservation.status = ReservationStatus.FULFILLED
    reservation.closed_at = clock.now()
    reservation.save(update_fields=["status", "closed_at"])
    StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") - quantity)
    level.reserved -= quantity


def customer_return(
    *,
    sku_id: int,
    location_id: int,
    quantity: int,
    reference: str,
    batch_id: int | None = None,
    unit_cost_fen: int | None = None,
    reason: str = "",
) -> MovementResult:
    """Returned goods back on hand, into the named lot (or the SKU's default lot)."""
    quantity = ledger.check_quantity(quantity)
    sku = ledger.get_sku(sku_id)
    ledger.get_location(location_id)
    with transaction.atomic():
        if not ledger.claim_operation(f"return:{reference}", MovementKind.RETURN):
            return _replay(reference, MovementKind.RETURN)
        batch = _batch_for(sku.pk, batch_id)
        level = ledger.lock_levels([(sku_id, location_id)])[(sku_id, location_id)]
        posted = ledger.post(
            level,
            batch,
            quantity,
            MovementKind.RETURN,
            reason=reason,
            reference=reference,
            unit_cost_fen=unit_cost_fen,
        )
        alerts.evaluate_level(level)
    return MovementResult(reference, [posted])


def _batch_for(sku_id: int, batch_id: int | None) -> Batch:
    if batch_id is None:
        return ledger.default_batch(sku_id)
    batch = Batch.objects.filter(pk=batch_id, sku_id=sku_id).first()
    if batch is None:
        raise NotFound(_("batch"), {"batch_id": batch_id}, code=InventoryError.UNKNOWN_BATCH)
    return batch


def adjust(
    *,
    sku_id: int,
    location_id: int,
    delta: int,
    reason: str,
    reference: str = "",
    batch_id: int | None = None,
    kind: str = MovementKind.ADJUSTMENT,
) -> MovementResult:
    """A privileged correction (audited). Negative deltas never take reserved units."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationFailed(InventoryError.INVALID_QUANTITY, _("Give a non-zero whole delta."))
    ledger.check_quantity(abs(delta))
    sku = ledger.get_sku(sku_id)
    location = ledger.get_location(location_id)
    today = clock.today()
    with transaction.atomic():
        level = ledger.lock_levels([(sku_id, location_id)])[(sku_id, location_id)]
        if delta > 0:
            posted = [
                ledger.post(
                    level,
                    _batch_for(sku.pk, batch_id),
                    delta,
                    kind,
                    reason=reason,
                    reference=reference,
                )
            ]
        else:
            if not level.allow_negative and level.on_hand - level.reserved < -delta:
                raise Conflict(
                    InventoryError.INSUFFICIENT_STOCK,
                    _("The adjustment would take reserved or missing units."),
                    {"on_hand": level.on_hand, "reserved": level.reserved},
                )
            if batch_id is not None:
                batch = _batch_for(sku.pk, batch_id)
                sb = StockBatch.objects.filter(
                    sku_id=sku_id, location_id=location_id, batch=batch
                ).first()
                if not level.allow_negative and (sb is None or sb.on_hand < -delta):
                    raise Conflict(
                        InventoryError.INSUFFICIENT_STOCK, _("The lot does not hold that many.")
                    )
                posted = [
                    ledger.post(level, batch, delta, kind, reason=reason, reference=reference)
                ]
            else:
                posted = ledger.issue_fefo(
                    level,
                    -delta,
                    kind,
                    today=today,
                    reason=reason,
                    reference=reference,
                    include_expired=True,
                )
        audit.record(
            f"inventory.{kind}",
            level,
            changes={"delta": delta, "sku_id": sku_id, "location_id": location_id},
            reason=reason,
            store_id=location.store_id,
            brand_id=location.brand_id,
        )
        alerts.evaluate_level(level)
    return MovementResult(reference, posted)


def write_off(
    *,
    sku_id: int,
    location_id: int,
    quantity: int,
    reason: str,
    batch_id: int | None = None,
    reference: str = "",
) -> MovementResult:
    """Damage, loss or expired stock taken off the books (audited)."""
    quantity = ledger.check_quantity(quantity)
    return adjust(
        sku_id=sku_id,
        location_id=location_id,
        delta=-quantity,
        reason=reason,
        reference=reference,
        batch_id=batch_id,
        kind=MovementKind.WRITE_OFF,
    )


def relocate(
    *, sku_id: int, from_location_id: int, to_location_id: int, quantity: int, reference: str
) -> MovementResult:
    """Move first-expiring units between two locations of one site (back room → floor) so the
    shelf sells FEFO. Two ledger rows per lot, one transaction."""
    quantity = ledger.check_quantity(quantity)
    if from_location_id == to_location_id:
        raise ValidationFailed(InventoryError.SAME_LOCATION, _("Choose two different locations."))
    ledger.get_sku(sku_id)
    ledger.get_location(from_location_id)
    ledger.get_location(to_location_id)
    today = clock.today()
    with transaction.atomic():
        if not ledger.claim_operation(f"relocation:{reference}", MovementKind.RELOCATION):
            return _replay(reference, MovementKind.RELOCATION)
        levels = ledger.lock_levels([(sku_id, from_location_id), (sku_id, to_location_id)])
        source, target = levels[(sku_id, from_location_id)], levels[(sku_id, to_location_id)]
        if source.on_hand - source.reserved < quantity:
            raise Conflict(InventoryError.INSUFFICIENT_STOCK, _("Not enough free stock to move."))
        out = ledger.issue_fefo(
            source, quantity, MovementKind.RELOCATION, today=today, reference=reference
        )
        moved = list(out)
        for p in out:
            batch = Batch.objects.get(pk=p.batch_id)
            moved.append(
                ledger.post(
                    target,
                    batch,
                    -p.quantity,
                    MovementKind.RELOCATION,
                    reference=reference,
                    value_fen=-p.value_fen,
                )
            )
        alerts.evaluate_level(source)
        alerts.evaluate_level(target)
    return MovementResult(reference, moved)


def set_policy(*, sku_id: int, location_id: int, values: dict[str, object]) -> StockLevel:
    """Set safety buffer, walk-in keep, online exclusion and min/max/reorder point (audited)."""
    ledger.get_sku(sku_id)
    location = ledger.get_location(location_id)
    allowed = {
        "safety_buffer",
        "walk_in_keep",
        "online_excluded",
        "min_qty",
        "max_qty",
        "reorder_point",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed(InventoryError.INVALID_POLICY, _("Unknown policy fields."))
    with transaction.atomic():
        level = ledger.lock_levels([(sku_id, location_id)])[(sku_id, location_id)]
        old = {k: getattr(level, k) for k in values}
        for k, v in values.items():
            setattr(level, k, v)
        if (
            level.min_qty is not None
            and level.max_qty is not None
            and level.min_qty > level.max_qty
        ):
            raise ValidationFailed(InventoryError.INVALID_POLICY, _("Minimum exceeds maximum."))
        level.save(update_fields=[*values.keys()])
        audit.record(
            "inventory.policy",
            level,
            changes=audit.diff(old, dict(values)),
            store_id=location.store_id,
            brand_id=location.brand_id,
        )
        alerts.evaluate_level(level)
    return level
