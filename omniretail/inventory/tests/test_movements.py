from __future__ import annotations

import pytest

from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.inventory import movements
from omniretail.inventory.ledger import ledger_sum
from omniretail.inventory.models import Movement, StockLevel

pytestmark = pytest.mark.django_db


def _level(sku, loc):
    return StockLevel.objects.get(sku=sku, location=loc)


def test_receipt_writes_one_ledger_row_and_projection_when_received(org, sku, frozen_now):
    loc = org["floor"]["S1"]
    result = movements.receive(
        sku_id=sku.pk, location_id=loc.pk, quantity=10, unit_cost_fen=1000, reference="PO-1"
    )
    assert result.quantity == 10
    assert _level(sku, loc).on_hand == 10 == ledger_sum(sku.pk, loc.pk)
    assert _level(sku, loc).value_fen == 10_000


def test_receipt_is_applied_once_when_retried_with_same_reference(org, sku, frozen_now):
    loc = org["floor"]["S1"]
    for _ in range(2):
        movements.receive(
            sku_id=sku.pk, location_id=loc.pk, quantity=5, unit_cost_fen=100, reference="PO-2"
        )
    assert _level(sku, loc).on_hand == 5
    assert Movement.objects.filter(reference="PO-2").count() == 1


@pytest.mark.parametrize("qty", [-1, 0, 1.5, "3", True])
def test_receipt_is_refused_when_quantity_is_not_a_positive_whole(org, sku, qty):
    with pytest.raises(ValidationFailed) as exc:
        movements.receive(
            sku_id=sku.pk,
            location_id=org["floor"]["S1"].pk,
            quantity=qty,
            unit_cost_fen=1,
            reference="X",
        )
    assert exc.value.code == "inventory.invalid_quantity"
    assert not Movement.objects.exists()


def test_receipt_is_refused_when_sku_or_location_unknown(org, sku):
    with pytest.raises(NotFound):
        movements.receive(
            sku_id=999999,
            location_id=org["floor"]["S1"].pk,
            quantity=1,
            unit_cost_fen=1,
            reference="X",
        )
    with pytest.raises(NotFound):
        movements.receive(
            sku_id=sku.pk, location_id=999999, quantity=1, unit_cost_fen=1, reference="Y"
        )


def test_sale_computes_moving_average_cogs_when_costs_differ(org, sku, frozen_now):
    loc = org["floor"]["S1"]
    movements.receive(
        sku_id=sku.pk, location_id=loc.pk, quantity=10, unit_cost_fen=100, reference="A"
    )
    movements.receive(
        sku_id=sku.pk, location_id=loc.pk, quantity=10, unit_cost_fen=200, reference="B"
    )
    sale = movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=5, reference="R1")
    assert sale.value_fen == -750  # 5 × 150
    assert _level(sku, loc).avg_cost_fen == 150


def test_sale_is_refused_and_writes_nothing_when_stock_is_short(org, sku, frozen_now):
    loc = org["floor"]["S1"]
    movements.receive(sku_id=sku.pk, location_id=loc.pk, quantity=2, unit_cost_fen=1, reference="A")
    with pytest.raises(Conflict) as exc:
        movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=3, reference="R")
    assert exc.value.code == "inventory.insufficient_stock"
    assert _level(sku, loc).on_hand == 2
    assert Movement.objects.count() == 1


def test_sale_is_idempotent_when_retried_with_same_reference(org, sku, frozen_now):
    loc = org["floor"]["S1"]
    movements.receive(sku_id=sku.pk, location_id=loc.pk, quantity=5, unit_cost_fen=1, reference="A")
    first = movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=2, reference="POS-1")
    again = movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=2, reference="POS-1")
    assert again.replayed and again.quantity == first.quantity == -2
    assert _level(sku, loc).on_hand == 3


def test_adjustment_is_audited_when_posted(org, sku, frozen_now):
    from omniretail.core.models import AuditLog

    loc = org["floor"]["S1"]
    movements.adjust(sku_id=sku.pk, location_id=loc.pk, delta=4, reason="found")
    assert AuditLog.objects.filter(action="inventory.adjustment").count() == 1
    assert _level(sku, loc).on_hand == 4


def test_relocation_moves_first_expiring_lot_when_moving_to_floor(org, make_sku, frozen_now):
    import datetime as dt

    sku = make_sku(tracks_batches=True)
    back = org["stores"]["S1"].locations.get(kind="store_backroom")
    floor = org["floor"]["S1"]
    movements.receive(
        sku_id=sku.pk,
        location_id=back.pk,
        quantity=5,
        unit_cost_fen=10,
        reference="A",
        lot_code="LATE",
        expiry_date=dt.date(2027, 6, 1),
    )
    movements.receive(
        sku_id=sku.pk,
        location_id=back.pk,
        quantity=5,
        unit_cost_fen=10,
        reference="B",
        lot_code="EARLY",
        expiry_date=dt.date(2027, 1, 1),
    )
    movements.relocate(
        sku_id=sku.pk,
        from_location_id=back.pk,
        to_location_id=floor.pk,
        quantity=3,
        reference="RL1",
    )
    rows = Movement.objects.filter(location=floor)
    assert {m.batch.lot_code for m in rows} == {"EARLY"}
    assert _level(sku, floor).on_hand == 3 and _level(sku, back).on_hand == 7
