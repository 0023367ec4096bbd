from __future__ import annotations

import datetime as dt

import pytest

from omniretail.core.errors import InvalidState, NotFound
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.orders import pickup, services
from omniretail.orders.models import OrderStatus

pytestmark = pytest.mark.django_db


def _ready(order):
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    pickup.mark_ready(order)
    return order


def test_pickup_order_gets_a_six_digit_code_when_placed(make_sku, place):
    order = place((make_sku("A"), 1))
    assert len(order.pickup_code) == 6 and order.pickup_code.isdigit()


def test_codes_differ_among_open_orders_when_many_are_placed(make_sku, place, monkeypatch):
    sku = make_sku("A", stock={"S1": 50})
    values = iter([123456, 123456, 654321])
    monkeypatch.setattr(pickup.secrets, "randbelow", lambda n: next(values))
    first = place((sku, 1))
    second = place((sku, 1))
    assert (first.pickup_code, second.pickup_code) == ("123456", "654321")


def test_verify_pickup_completes_and_sells_when_code_is_right(org, make_sku, place):
    sku = make_sku("A")
    order = _ready(place((sku, 2)))
    assert order.events.filter(kind="ready_for_pickup").exists()
    done = pickup.verify_pickup(org["stores"]["S1"], order.pickup_code)
    assert done.pk == order.pk and done.status == OrderStatus.COMPLETED
    level = StockLevel.objects.get(sku=sku, location=org["floor"]["S1"])
    assert (level.on_hand, level.reserved) == (8, 0)


def test_verify_pickup_accepts_signed_qr_when_scanned(org, make_sku, place):
    order = _ready(place((make_sku("A"), 1)))
    done = pickup.verify_pickup(org["stores"]["S1"], pickup.qr_payload(order))
    assert done.status == OrderStatus.COMPLETED


def test_verify_pickup_is_refused_when_qr_is_forged_or_other_store(org, make_sku, place):
    order = _ready(place((make_sku("A"), 1)))
    with pytest.raises(NotFound):
        pickup.verify_pickup(org["stores"]["S1"], pickup.qr_payload(order) + "x")
    with pytest.raises(NotFound):
        pickup.verify_pickup(org["stores"]["S2"], order.pickup_code)


def test_verify_pickup_is_refused_when_not_ready(org, make_sku, place):
    order = place((make_sku("A"), 1))
    with pytest.raises(InvalidState) as err:
        pickup.verify_pickup(org["stores"]["S1"], order.pickup_code)
    assert err.value.code == "order_pickup_not_ready"


def test_unclaimed_pickup_is_cancelled_and_released_when_days_pass(
    org, make_sku, place, frozen_now
):
    sku = make_sku("A")
    order = _ready(place((sku, 3)))
    frozen_now.shift(dt.timedelta(days=2, hours=23))
    assert pickup.cancel_unclaimed_pickups() == 0
    frozen_now.shift(dt.timedelta(hours=2))
    assert pickup.cancel_unclaimed_pickups() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Reservation.objects.get().status == "released"
    assert StockLevel.objects.get(sku=sku, location=org["floor"]["S1"]).reserved == 0


def test_unclaimed_window_follows_setting_when_configured(make_sku, place, frozen_now, settings):
    settings.ORDERS_PICKUP_UNCLAIMED_DAYS = 1
    order = _ready(place((make_sku("A"), 1)))
    frozen_now.shift(dt.timedelta(days=1, minutes=1))
    assert pickup.cancel_unclaimed_pickups() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_mark_ready_is_refused_when_order_ships(make_sku, place):
    order = place((make_sku("A"), 1), mode="ship")
    with pytest.raises(InvalidState):
        pickup.mark_ready(order)


def test_complete_is_refused_when_pickup_code_was_not_checked(make_sku, place):
    order = _ready(place((make_sku("A"), 1)))
    with pytest.raises(InvalidState) as err:
        services.complete(order)
    assert err.value.code == "order_pickup_code_required"
    order.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP
