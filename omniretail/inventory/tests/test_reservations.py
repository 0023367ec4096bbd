from __future__ import annotations

import datetime as dt

import pytest

from omniretail.core.errors import Conflict
from omniretail.inventory import movements, reservations, services
from omniretail.inventory.models import (
    Alert,
    Channel,
    Movement,
    Reservation,
    ReservationStatus,
    StockLevel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(org, sku, frozen_now):
    loc = org["floor"]["S1"]
    movements.receive(
        sku_id=sku.pk, location_id=loc.pk, quantity=10, unit_cost_fen=100, reference="PO"
    )
    return sku, loc


def _level(sku, loc):
    return StockLevel.objects.get(sku=sku, location=loc)


def test_reserve_holds_units_when_available(stocked):
    sku, loc = stocked
    reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=4, reference="O1-L1")
    assert _level(sku, loc).reserved == 4


def test_reserve_is_refused_when_buffer_and_walk_in_keep_leave_too_little(stocked):
    sku, loc = stocked
    movements.set_policy(
        sku_id=sku.pk, location_id=loc.pk, values={"safety_buffer": 3, "walk_in_keep": 2}
    )
    with pytest.raises(Conflict) as exc:
        reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=6, reference="O1")
    assert exc.value.code == "inventory.insufficient_stock"
    reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=5, reference="O2")
    # walk-in channel is not bound by the walk-in keep
    reservations.reserve(
        sku_id=sku.pk, location_id=loc.pk, quantity=2, reference="O3", channel=Channel.WALK_IN
    )
    assert _level(sku, loc).reserved == 7
    assert Alert.objects.filter(kind="negative_attempt").count() == 1


def test_reserve_is_refused_when_store_excludes_sku_from_online(stocked):
    sku, loc = stocked
    movements.set_policy(sku_id=sku.pk, location_id=loc.pk, values={"online_excluded": True})
    with pytest.raises(Conflict) as exc:
        reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=1, reference="O1")
    assert exc.value.code == "inventory.online_excluded"


def test_reserve_is_idempotent_when_retried_with_same_reference(stocked):
    sku, loc = stocked
    a = reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=3, reference="O1-L1")
    b = reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=3, reference="O1-L1")
    assert a.pk == b.pk and _level(sku, loc).reserved == 3
    with pytest.raises(Conflict) as exc:
        reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=4, reference="O1-L1")
    assert exc.value.code == "inventory.reference_reused"


def test_expired_reservations_release_units_when_job_runs(stocked, frozen_now):
    sku, loc = stocked
    reservations.reserve(
        sku_id=sku.pk, location_id=loc.pk, quantity=4, reference="O1", hold=dt.timedelta(minutes=10)
    )
    frozen_now.shift(dt.timedelta(minutes=11))
    from omniretail.inventory.tasks import expire_reservations

    assert expire_reservations.call_local() == 1
    assert _level(sku, loc).reserved == 0
    assert Reservation.objects.get(reference="O1").status == ReservationStatus.EXPIRED
    assert services.release_expired_reservations() == 0


def test_fulfilment_converts_reservation_to_sale_when_sold_against_it(stocked):
    sku, loc = stocked
    reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=4, reference="O1")
    movements.sell(
        sku_id=sku.pk, location_id=loc.pk, quantity=4, reference="S1", reservation_reference="O1"
    )
    lv = _level(sku, loc)
    assert (lv.on_hand, lv.reserved) == (6, 0)
    assert Reservation.objects.get(reference="O1").status == ReservationStatus.FULFILLED
    with pytest.raises(Conflict):
        reservations.release("O1")


def test_walk_in_sale_cannot_take_reserved_units_when_all_are_held(stocked):
    sku, loc = stocked
    reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=10, reference="O1")
    with pytest.raises(Conflict):
        movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=1, reference="S1")
    reservations.release("O1")
    movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=1, reference="S1")
    assert _level(sku, loc).on_hand == 9


def test_expired_lot_is_blocked_from_sale_when_past_expiry(org, make_sku, frozen_now):
    sku = make_sku(tracks_batches=True)
    loc = org["floor"]["S1"]
    movements.receive(
        sku_id=sku.pk,
        location_id=loc.pk,
        quantity=5,
        unit_cost_fen=1,
        reference="A",
        lot_code="OLD",
        expiry_date=dt.date(2026, 11, 1),
    )
    movements.receive(
        sku_id=sku.pk,
        location_id=loc.pk,
        quantity=2,
        unit_cost_fen=1,
        reference="B",
        lot_code="NEW",
        expiry_date=dt.date(2027, 11, 1),
    )
    with pytest.raises(Conflict) as exc:
        movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=3, reference="S1")
    assert exc.value.code == "inventory.expired_stock"
    with pytest.raises(Conflict):
        reservations.reserve(sku_id=sku.pk, location_id=loc.pk, quantity=3, reference="O1")
    movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=2, reference="S2")
    assert {m.batch.lot_code for m in Movement.objects.filter(kind="sale")} == {"NEW"}


def test_sale_takes_first_expiring_lot_when_several_are_sellable(org, make_sku, frozen_now):
    sku = make_sku(tracks_batches=True)
    loc = org["floor"]["S1"]
    for ref, lot, exp in [("A", "L2", dt.date(2027, 5, 1)), ("B", "L1", dt.date(2027, 1, 1))]:
        movements.receive(
            sku_id=sku.pk,
            location_id=loc.pk,
            quantity=3,
            unit_cost_fen=1,
            reference=ref,
            lot_code=lot,
            expiry_date=exp,
        )
    movements.sell(sku_id=sku.pk, location_id=loc.pk, quantity=4, reference="S")
    sold = {m.batch.lot_code: m.quantity for m in Movement.objects.filter(kind="sale")}
    assert sold == {"L1": -3, "L2": -1}


def test_near_expiry_alert_uses_inherited_category_lead_days_when_child_has_none(
    org, make_sku, frozen_now
):
    sku = make_sku(tracks_batches=True, near_expiry_days=None)  # root says 30 days
    loc = org["floor"]["S1"]
    movements.receive(
        sku_id=sku.pk,
        location_id=loc.pk,
        quantity=1,
        unit_cost_fen=1,
        reference="A",
        lot_code="SOON",
        expiry_date=dt.date(2026, 12, 10),
    )
    movements.receive(
        sku_id=sku.pk,
        location_id=loc.pk,
        quantity=1,
        unit_cost_fen=1,
        reference="B",
        lot_code="LATER",
        expiry_date=dt.date(2027, 3, 1),
    )
    assert services.scan_near_expiry() == 1
    assert services.scan_near_expiry() == 0
    alert = Alert.objects.get(kind="near_expiry")
    assert alert.batch.lot_code == "SOON"
