"""Inventory invariants verified by ``omniretail check-invariants`` and after every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection

from omniretail.core.integrity import invariant

from .models import Movement, Reservation, ReservationStatus, StockBatch, StockLevel

# The ledger checks run as SQL that returns only the mismatches: on the large seed (millions
# of stock rows) loading every row into Python took minutes and gigabytes.
_M = Movement._meta.db_table
_SB = StockBatch._meta.db_table
_SL = StockLevel._meta.db_table
_LIMIT = 1000


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchmany(_LIMIT)


@invariant("inventory.batch_on_hand_equals_ledger")
def batch_on_hand_equals_ledger() -> Iterator[str]:
    """Every (SKU, location, batch) projection equals the sum of its ledger rows."""
    ledger = (
        f"SELECT sku_id, location_id, batch_id, SUM(quantity) AS q FROM {_M} "  # noqa: S608
        "GROUP BY sku_id, location_id, batch_id"
    )
    for sku, loc, batch, on_hand, q in _rows(
        f"SELECT sb.sku_id, sb.location_id, sb.batch_id, sb.on_hand, COALESCE(m.q, 0) "  # noqa: S608
        f"FROM {_SB} sb LEFT JOIN ({ledger}) m ON m.sku_id = sb.sku_id "
        "AND m.location_id = sb.location_id AND m.batch_id = sb.batch_id "
        "WHERE sb.on_hand <> COALESCE(m.q, 0)"
    ):
        yield f"stock batch {(sku, loc, batch)}: on hand {on_hand} ≠ ledger {q}"
    for sku, loc, batch, q in _rows(
        f"SELECT m.sku_id, m.location_id, m.batch_id, m.q FROM ({ledger}) m "  # noqa: S608
        f"LEFT JOIN {_SB} sb ON m.sku_id = sb.sku_id AND m.location_id = sb.location_id "
        "AND m.batch_id = sb.batch_id WHERE sb.id IS NULL AND m.q <> 0"
    ):
        yield f"ledger {(sku, loc, batch)} sums to {q} but has no stock batch row"


@invariant("inventory.level_equals_batches_and_ledger")
def level_equals_batches_and_ledger() -> Iterator[str]:
    """Per (SKU, location): on hand = Σ batches = Σ ledger; value = Σ ledger value."""
    ledger = (
        f"SELECT sku_id, location_id, SUM(quantity) AS q, SUM(value_fen) AS v "  # noqa: S608
        f"FROM {_M} GROUP BY sku_id, location_id"
    )
    batches = (
        f"SELECT sku_id, location_id, SUM(on_hand) AS q FROM {_SB} "  # noqa: S608
        "GROUP BY sku_id, location_id"
    )
    for sku, loc, on_hand, value, q, v, b in _rows(
        "SELECT lv.sku_id, lv.location_id, lv.on_hand, lv.value_fen, "  # noqa: S608
        "COALESCE(m.q, 0), COALESCE(m.v, 0), COALESCE(b.q, 0) "
        f"FROM {_SL} lv LEFT JOIN ({ledger}) m ON m.sku_id = lv.sku_id "
        "AND m.location_id = lv.location_id "
        f"LEFT JOIN ({batches}) b ON b.sku_id = lv.sku_id AND b.location_id = lv.location_id "
        "WHERE lv.on_hand <> COALESCE(m.q, 0) OR lv.on_hand <> COALESCE(b.q, 0) "
        "OR lv.value_fen <> COALESCE(m.v, 0)"
    ):
        key = (sku, loc)
        if on_hand != q or on_hand != b:
            yield f"stock level {key}: on hand {on_hand} ≠ ledger {q} or batches {b}"
        if value != v:
            yield f"stock level {key}: value {value} ≠ ledger value {v}"


@invariant("inventory.reserved_equals_active_reservations")
def reserved_equals_active_reservations() -> Iterator[str]:
    active = (
        f"SELECT sku_id, location_id, SUM(quantity) AS q FROM {Reservation._meta.db_table} "  # noqa: S608
        "WHERE status = %s GROUP BY sku_id, location_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lv.sku_id, lv.location_id, lv.reserved, lv.on_hand, lv.allow_negative, "  # noqa: S608
            f"COALESCE(r.q, 0) FROM {_SL} lv LEFT JOIN ({active}) r ON r.sku_id = lv.sku_id "
            "AND r.location_id = lv.location_id "
            "WHERE lv.reserved <> COALESCE(r.q, 0) "
            "OR lv.reserved > (CASE WHEN lv.on_hand > 0 THEN lv.on_hand ELSE 0 END) "
            "OR (lv.on_hand < 0 AND NOT lv.allow_negative)",
            [ReservationStatus.ACTIVE.value],
        )
        rows = cursor.fetchmany(_LIMIT)
    for sku, loc, reserved, on_hand, allow_negative, q in rows:
        key = (sku, loc)
        if reserved != q:
            yield f"stock level {key}: reserved {reserved} ≠ active {q}"
        if reserved > max(on_hand, 0):
            yield f"stock level {key}: reserved {reserved} > on hand {on_hand}"
        if on_hand < 0 and not allow_negative:
            yield f"stock level {key}: negative on hand {on_hand}"
