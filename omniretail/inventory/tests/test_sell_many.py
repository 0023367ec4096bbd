"""A till basket sold in one call: the same rules as one sale per line, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniretail.core.errors import Conflict
from omniretail.inventory import movements
from omniretail.inventory.ledger import ledger_sum
from omniretail.inventory.models import Movement, StockBatch, StockLevel
from omniretail.inventory.movements import SaleLine

pytestmark = pytest.mark.django_db


def _receive(sku, loc, qty, ref, lot=None, expiry=None):
    movements.receive(
        sku_id=sku.pk,
        location_id=loc.pk,
        quantity=qty,
        unit_cost_fen=100,
        reference=ref,
        lot_code=lot,
        expiry_date=expiry,
    )


def test_a_sku_on_two_lines_takes_first_expiring_lots_in_turn_when_sold_in_one_basket(
    org, make_sku, frozen_now
):
    sku = make_sku(tracks_batches=True)
    loc = org["floor"]["S1"]
    _receive(sku, loc, 3, "R1", "EARLY", dt.date(2027, 1, 1))
    _receive(sku, loc, 5, "R2", "LATE", dt.date(2027, 6, 1))
    movements.sell_many(
        location_id=loc.pk,
        lines=[SaleLine(sku.pk, 2, "B1:1"), SaleLine(sku.pk, 2, "B1:2")],
    )
    by_lot = {
        sb.batch.lot_code: sb.on_hand
        for sb in StockBatch.objects.filter(sku=sku, location=loc).select_related("batch")
    }
    assert by_lot == {"EARLY": 0, "LATE": 4}
    second = Movement.objects.filter(reference="B1:2").order_by("pk")
    assert [(m.batch.lot_code, m.quantity) for m in second] == [("EARLY", -1), ("LATE", -1)]
    assert StockLevel.objects.get(sku=sku, location=loc).on_hand == 4 == ledger_sum(sku.pk, loc.pk)


def test_nothing_is_sold_when_one_line_of_the_basket_is_short(org, make_sku, frozen_now):
    plenty, scarce = make_sku(), make_sku()
    loc = org["floor"]["S1"]
    _receive(plenty, loc, 10, "R1")
    _receive(scarce, loc, 1, "R2")
    with pytest.raises(Conflict) as exc:
        movements.sell_many(
            location_id=loc.pk,
            lines=[SaleLine(plenty.pk, 3, "B2:1"), SaleLine(scarce.pk, 2, "B2:2")],
        )
    assert exc.value.code == "inventory.insufficient_stock"
    assert not Movement.objects.filter(kind="sale").exists()
    assert StockLevel.objects.get(sku=plenty, location=loc).on_hand == 10


def test_a_retried_basket_moves_nothing_and_returns_the_first_sale(org, make_sku, frozen_now):
    sku = make_sku()
    loc = org["floor"]["S1"]
    _receive(sku, loc, 10, "R1")
    lines = [SaleLine(sku.pk, 2, "B3:1"), SaleLine(sku.pk, 1, "B3:2")]
    first = movements.sell_many(location_id=loc.pk, lines=lines)
    again = movements.sell_many(location_id=loc.pk, lines=lines)
    assert [r.replayed for r in again] == [True, True]
    assert [r.quantity for r in again] == [r.quantity for r in first] == [-2, -1]
    assert StockLevel.objects.get(sku=sku, location=loc).on_hand == 7


def test_a_reference_repeated_inside_one_basket_is_sold_once(org, make_sku, frozen_now):
    sku = make_sku()
    loc = org["floor"]["S1"]
    _receive(sku, loc, 10, "R1")
    results = movements.sell_many(
        location_id=loc.pk, lines=[SaleLine(sku.pk, 2, "B4:1"), SaleLine(sku.pk, 2, "B4:1")]
    )
    assert [r.replayed for r in results] == [False, True]
    assert StockLevel.objects.get(sku=sku, location=loc).on_hand == 8


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    stock=st.lists(st.integers(0, 6), min_size=2, max_size=2),
    basket=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 5)), min_size=1, max_size=5),
)
def test_a_basket_sells_exactly_what_one_sale_per_line_would(org, make_sku, stock, basket):
    """Either every line is sold and each level drops by its lines' units, or (a line short)
    nothing moves at all — never negative stock, ledger equal to the projection."""
    from django.db import transaction

    with transaction.atomic():
        skus = [make_sku(), make_sku()]
        loc = org["floor"]["S1"]
        for i, (sku, qty) in enumerate(zip(skus, stock, strict=True)):
            if qty:
                _receive(sku, loc, qty, f"P{sku.pk}-{i}")
        lines = [
            SaleLine(skus[i].pk, qty, f"PB{skus[0].pk}:{n}") for n, (i, qty) in enumerate(basket)
        ]
        wanted = [sum(q for i, q in basket if i == k) for k in range(2)]
        fits = all(w <= s for w, s in zip(wanted, stock, strict=True))
        try:
            movements.sell_many(location_id=loc.pk, lines=lines)
            sold = True
        except Conflict:
            sold = False
        assert sold == fits
        for k, sku in enumerate(skus):
            on_hand = StockLevel.objects.filter(sku=sku, location=loc).values_list(
                "on_hand", flat=True
            )
            expect = stock[k] - (wanted[k] if fits else 0)
            assert (on_hand.first() or 0) == expect == ledger_sum(sku.pk, loc.pk)
        transaction.set_rollback(True)
