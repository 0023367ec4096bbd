"""Transfers between any two locations: requested → approved → shipped → received → closed.

Shipping posts TRANSFER_OUT at the source (FEFO, lots remembered on the line); receiving posts
TRANSFER_IN at the destination into the same lots at the shipped cost. A received quantity
that differs from the shipped one needs a note and becomes an open discrepancy; the transfer
closes when every discrepancy is resolved. Any other transition is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import InvalidState, NotFound, ValidationFailed
from omniretail.core.ids import next_document_number

from . import alerts, ledger
from .errors import InventoryError
from .models import (
    Batch,
    DiscrepancyStatus,
    MovementKind,
    Transfer,
    TransferDiscrepancy,
    TransferLine,
    TransferStatus,
)

ALLOWED = {
    "approve": ({TransferStatus.REQUESTED}, TransferStatus.APPROVED),
    "ship": ({TransferStatus.APPROVED}, TransferStatus.SHIPPED),
    "receive": ({TransferStatus.SHIPPED}, TransferStatus.RECEIVED),
    "cancel": ({TransferStatus.REQUESTED, TransferStatus.APPROVED}, TransferStatus.CANCELLED),
}


@dataclass(frozen=True)
class LineIn:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class ReceiptIn:
    line_id: int
    received: int
    note: str = ""


def visible(transfer: Transfer, allowed: frozenset[int] | None, side: str = "either") -> bool:
    """Ship is the source's act, receive the destination's; the rest either side's."""
    if allowed is None:
        return True
    if side == "source":
        return transfer.source_id in allowed
    if side == "destination":
        return transfer.destination_id in allowed
    return transfer.source_id in allowed or transfer.destination_id in allowed


SIDES = {"ship": "source", "receive": "destination"}


def _locked(transfer_id: int, action: str, allowed: frozenset[int] | None) -> Transfer:
    transfer = Transfer.objects.select_for_update().filter(pk=transfer_id).first()
    if transfer is None or not visible(transfer, allowed, SIDES.get(action, "either")):
        raise NotFound(_("transfer"), code=InventoryError.TRANSFER_NOT_FOUND)
    states, _target = ALLOWED[action]
    if transfer.status not in states:
        raise InvalidState(
            InventoryError.ILLEGAL_TRANSITION,
            _("A %(status)s transfer cannot be %(action)s.")
            % {"status": transfer.status, "action": action},
            {"status": transfer.status, "action": action},
        )
    return transfer


def request_transfer(
    *, source_id: int, destination_id: int, lines: list[LineIn], note: str = "", user: Any = None
) -> Transfer:
    if source_id == destination_id:
        raise ValidationFailed(InventoryError.SAME_LOCATION, _("Choose two different locations."))
    ledger.get_location(source_id)
    ledger.get_location(destination_id)
    if not lines:
        raise ValidationFailed(InventoryError.INVALID_QUANTITY, _("A transfer needs lines."))
    seen: set[int] = set()
    for line in lines:
        ledger.check_quantity(line.quantity)
        ledger.get_sku(line.sku_id)
        if line.sku_id in seen:
            raise ValidationFailed(
                InventoryError.INVALID_QUANTITY, _("Each SKU once per transfer.")
            )
        seen.add(line.sku_id)
    with transaction.atomic():
        transfer = Transfer.objects.create(
            number=next_document_number("TR"),
            source_id=source_id,
            destination_id=destination_id,
            note=note[:200],
            created_by=user if getattr(user, "pk", None) else None,
            created_at=clock.now(),
        )
        TransferLine.objects.bulk_create(
            [
                TransferLine(transfer=transfer, sku_id=ln.sku_id, quantity=ln.quantity)
                for ln in lines
            ]
        )
    return transfer


def approve(transfer_id: int, allowed: frozenset[int] | None = None) -> Transfer:
    with transaction.atomic():
        transfer = _locked(transfer_id, "approve", allowed)
        transfer.status = TransferStatus.APPROVED
        transfer.approved_at = clock.now()
        transfer.save(update_fields=["status", "approved_at"])
        audit.record("inventory.transfer.approve", transfer, brand_id=transfer.source.brand_id)
    return transfer


def cancel(transfer_id: int, allowed: frozenset[int] | None = None) -> Transfer:
    with transaction.atomic():
        transfer = _locked(transfer_id, "cancel", allowed)
        transfer.status = TransferStatus.CANCELLED
        transfer.save(update_fields=["status"])
    return transfer


def ship(transfer_id: int, allowed: frozenset[int] | None = None) -> Transfer:
    """Take every line's units out of the source (FEFO, free stock only)."""
    today = clock.today()
    with transaction.atomic():
        transfer = _locked(transfer_id, "ship", allowed)
        lines = list(transfer.lines.order_by("pk"))
        levels = ledger.lock_levels([(ln.sku_id, transfer.source_id) for ln in lines])
        for line in lines:
            level = levels[(line.sku_id, transfer.source_id)]
            free = (
                level.on_hand
                - ledger.expired_on_hand(line.sku_id, transfer.source_id, today)
                - level.reserved
            )
            if free < line.quantity:
                from omniretail.core.errors import Conflict

                raise Conflict(
                    InventoryError.INSUFFICIENT_STOCK,
                    _("Not enough free stock to ship."),
                    {"sku_id": line.sku_id, "requested": line.quantity, "free": max(free, 0)},
                )
            posted = ledger.issue_fefo(
                level,
                line.quantity,
                MovementKind.TRANSFER_OUT,
                today=today,
                reference=transfer.number,
            )
            line.shipped = line.quantity
            line.shipped_batches = {str(p.batch_id): -p.quantity for p in posted}
            line.shipped_value_fen = -sum(p.value_fen for p in posted)
            line.save(update_fields=["shipped", "shipped_batches", "shipped_value_fen"])
            alerts.evaluate_level(level)
        transfer.status = TransferStatus.SHIPPED
        transfer.shipped_at = clock.now()
        transfer.save(update_fields=["status", "shipped_at"])
    return transfer


def receive(
    transfer_id: int, receipts: list[ReceiptIn] | None = None, allowed: frozenset[int] | None = None
) -> Transfer:
    """Book what arrived. Without ``receipts`` everything shipped arrived; a line received
    other than shipped needs a note and opens a discrepancy."""
    by_line = {r.line_id: r for r in receipts or []}
    with transaction.atomic():
        transfer = _locked(transfer_id, "receive", allowed)
        lines = list(transfer.lines.order_by("pk"))
        unknown = set(by_line) - {ln.pk for ln in lines}
        if unknown:
            raise NotFound(_("transfer line"), {"line_ids": sorted(unknown)})
        levels = ledger.lock_levels([(ln.sku_id, transfer.destination_id) for ln in lines])
        has_discrepancy = False
        for line in lines:
            r = by_line.get(line.pk)
            received = (
                line.shipped if r is None else ledger.check_quantity(r.received, allow_zero=True)
            )
            if received != line.shipped:
                if r is None or not r.note.strip():
                    raise ValidationFailed(
                        InventoryError.DISCREPANCY_NOTE_REQUIRED,
                        _("Received differs from shipped: record a discrepancy note."),
                        {"line_id": line.pk, "shipped": line.shipped, "received": received},
                    )
                TransferDiscrepancy.objects.create(
                    line=line, quantity=received - line.shipped, note=r.note[:200]
                )
                has_discrepancy = True
            level = levels[(line.sku_id, transfer.destination_id)]
            _book_in(level, line, received, transfer.number)
            line.received = received
            line.save(update_fields=["received"])
            alerts.evaluate_level(level)
        transfer.status = TransferStatus.RECEIVED if has_discrepancy else TransferStatus.CLOSED
        transfer.received_at = clock.now()
        transfer.save(update_fields=["status", "received_at"])
    return transfer


def _book_in(level: object, line: TransferLine, received: int, reference: str) -> None:
    """Spread ``received`` over the shipped lots in order; surplus lands in the last lot.
    Value follows at the shipped unit cost, in whole fen."""
    if received == 0:
        return
    unit = line.shipped_value_fen // line.shipped if line.shipped else 0
    left = received
    items = list(line.shipped_batches.items())
    for i, (batch_id, qty) in enumerate(items):
        take = left if i == len(items) - 1 else min(left, int(qty))
        if take <= 0:
            continue
        value = (
            line.shipped_value_fen * take // line.shipped
            if received <= line.shipped
            else unit * take
        )
        ledger.post(
            level,  # type: ignore[arg-type]
            Batch.objects.get(pk=int(batch_id)),
            take,
            MovementKind.TRANSFER_IN,
            reference=reference,
            value_fen=value,
        )
        left -= take


def resolve_discrepancy(
    discrepancy_id: int, resolution: str, allowed: frozenset[int] | None = None
) -> TransferDiscrepancy:
    """Close a discrepancy with its explanation (audited); the last one closes the transfer."""
    if not resolution.strip():
        raise ValidationFailed(
            InventoryError.DISCREPANCY_NOTE_REQUIRED, _("Say how it was resolved.")
        )
    with transaction.atomic():
        d = (
            TransferDiscrepancy.objects.select_for_update()
            .select_related("line__transfer")
            .filter(pk=discrepancy_id)
            .first()
        )
        transfer = d.line.transfer if d else None
        if (
            d is None
            or transfer is None
            or (
                allowed is not None
                and transfer.source_id not in allowed
                and transfer.destination_id not in allowed
            )
        ):
            raise NotFound(_("discrepancy"))
        if d.status != DiscrepancyStatus.OPEN:
            raise InvalidState(InventoryError.ILLEGAL_TRANSITION, _("Already resolved."))
        d.status = DiscrepancyStatus.RESOLVED
        d.resolution = resolution[:200]
        d.resolved_at = clock.now()
        d.save(update_fields=["status", "resolution", "resolved_at"])
        audit.record("inventory.transfer.discrepancy_resolved", transfer, reason=resolution)
        if not TransferDiscrepancy.objects.filter(
            line__transfer=transfer, status=DiscrepancyStatus.OPEN
        ).exists():
            Transfer.objects.filter(pk=transfer.pk).update(status=TransferStatus.CLOSED)
    return d
