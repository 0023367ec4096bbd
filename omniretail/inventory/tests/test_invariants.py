"""The ledger invariants (SQL that returns only mismatches) still catch every kind of drift."""

from __future__ import annotations

import pytest

from omniretail.inventory.invariants import (
    batch_on_hand_equals_ledger,
    level_equals_batches_and_ledger,
    reserved_equals_active_reservations,
)
from omniretail.inventory.models import StockBatch, StockLevel

pytestmark = [pytest.mark.django_db, pytest.mark.allow_invariant_breach]


@pytest.fixture
def stocked(org, make_sku):
    from omniretail.inventory import movements

    sku = make_sku("INV1")
    floor = org["stores"]["S1"].locations.get(kind="store_floor")
    movements.receive(
        sku_id=sku.pk, location_id=floor.pk, quantity=7, unit_cost_fen=500, reference="INV-R1"
    )
    return sku, floor


def test_invariants_hold_when_stock_came_through_the_services(stocked):
    assert list(batch_on_hand_equals_ledger()) == []
    assert list(level_equals_batches_and_ledger()) == []
    assert list(reserved_equals_active_reservations()) == []


def test_batch_drift_is_reported_when_a_projection_differs_from_the_ledger(stocked):
    sku, floor = stocked
    StockBatch.objects.filter(sku=sku, location=floor).update(on_hand=9)
    assert any("on hand 9 ≠ ledger 7" in line for line in batch_on_hand_equals_ledger())
    assert any("batches 9" in line for line in level_equals_batches_and_ledger())


def test_missing_batch_row_is_reported_when_the_ledger_has_stock(stocked):
    sku, floor = stocked
    StockBatch.objects.filter(sku=sku, location=floor).delete()
    assert any("no stock batch row" in line for line in batch_on_hand_equals_ledger())


def test_level_value_drift_is_reported_when_value_differs_from_the_ledger(stocked):
    sku, floor = stocked
    StockLevel.objects.filter(sku=sku, location=floor).update(value_fen=1)
    assert any("value 1 ≠ ledger value" in line for line in level_equals_batches_and_ledger())


def test_reserved_drift_is_reported_when_no_reservation_backs_it(stocked):
    sku, floor = stocked
    StockLevel.objects.filter(sku=sku, location=floor).update(reserved=2)
    assert list(reserved_equals_active_reservations()) == [
        f"stock level {(sku.pk, floor.pk)}: reserved 2 ≠ active 0"
    ]
