"""Inventory invariants verified by ``omniretail check-invariants`` and after every test."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, Sum

from omniretail.core.integrity import invariant

from .models import Movement, Reservation, ReservationStatus, StockBatch, StockLevel


@invariant("inventory.batch_on_hand_equals_ledger")
def batch_on_hand_equals_ledger() -> Iterator[str]:
    """Every (SKU, location, batch) projection equals the sum of its ledger rows."""
    ledger = {
        (r["sku_id"], r["location_id"], r["batch_id"]): r["q"]
        for r in Movement.objects.values("sku_id", "location_id", "batch_id").annotate(
            q=Sum("quantity")
        )
    }
    seen = set()
    for sb in StockBatch.objects.values("sku_id", "location_id", "batch_id", "on_hand"):
        key = (sb["sku_id"], sb["location_id"], sb["batch_id"])
        seen.add(key)
        if ledger.get(key, 0) != sb["on_hand"]:
            yield f"stock batch {key}: on hand {sb['on_hand']} ≠ ledger {ledger.get(key, 0)}"
    for key, q in ledger.items():
        if key not in seen and q:
            yield f"ledger {key} sums to {q} but has no stock batch row"


@invariant("inventory.level_equals_batches_and_ledger")
def level_equals_batches_and_ledger() -> Iterator[str]:
    """Per (SKU, location): on hand = Σ batches = Σ ledger; value = Σ ledger value."""
    ledger = {
        (r["sku_id"], r["location_id"]): (r["q"], r["v"])
        for r in Movement.objects.values("sku_id", "location_id").annotate(
            q=Sum("quantity"), v=Sum("value_fen")
        )
    }
    batches = {
        (r["sku_id"], r["location_id"]): r["q"]
        for r in StockBatch.objects.values("sku_id", "location_id").annotate(q=Sum("on_hand"))
    }
    for lv in StockLevel.objects.values("sku_id", "location_id", "on_hand", "value_fen"):
        key = (lv["sku_id"], lv["location_id"])
        q, v = ledger.get(key, (0, 0))
        if lv["on_hand"] != q or lv["on_hand"] != batches.get(key, 0):
            yield (
                f"stock level {key}: on hand {lv['on_hand']} ≠ ledger {q} "
                f"or batches {batches.get(key, 0)}"
            )
        if lv["value_fen"] != v:
            yield f"stock level {key}: value {lv['value_fen']} ≠ ledger value {v}"


@invariant("inventory.reserved_equals_active_reservations")
def reserved_equals_active_reservations() -> Iterator[str]:
    active = {
        (r["sku_id"], r["location_id"]): r["q"]
        for r in Reservation.objects.filter(status=ReservationStatus.ACTIVE)
        .values("sku_id", "location_id")
        .annotate(q=Sum("quantity"))
    }
    for lv in StockLevel.objects.filter(Q(reserved__gt=0) | Q(pk__isnull=False)).values(
        "sku_id", "location_id", "reserved", "on_hand", "allow_negative"
    ):
        key = (lv["sku_id"], lv["location_id"])
        if lv["reserved"] != active.get(key, 0):
            yield f"stock level {key}: reserved {lv['reserved']} ≠ active {active.get(key, 0)}"
        if lv["reserved"] > max(lv["on_hand"], 0):
            yield f"stock level {key}: reserved {lv['reserved']} > on hand {lv['on_hand']}"
        if lv["on_hand"] < 0 and not lv["allow_negative"]:
            yield f"stock level {key}: negative on hand {lv['on_hand']}"
