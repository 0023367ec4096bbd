"""Tobacco only as reserve-and-collect with an ID check; alcohol pickup with an age check."""

from __future__ import annotations

import pytest

from omniretail.catalog.restrictions import add_restriction
from omniretail.core.errors import ValidationFailed
from omniretail.orders import pickup, routing, services
from omniretail.orders.errors import OrderError
from omniretail.orders.models import OrderStatus

pytestmark = pytest.mark.django_db


def _ready(order):
    for step in (services.mark_paid, services.allocate, services.start_picking):
        step(order)
    pickup.mark_ready(order)
    return order


@pytest.fixture
def cigarettes(make_sku):
    sku = make_sku("CIG", stock={"S1": 10})
    add_restriction(kind="not_sellable", sku=sku, channel="online", note="烟草不得网售")
    return sku


@pytest.fixture
def baijiu(make_sku):
    sku = make_sku("BJ", stock={"S1": 10})
    add_restriction(kind="age_check", sku=sku, channel="pos", min_age=18)
    return sku


@pytest.mark.parametrize("mode", ["delivery", "ship"])
def test_tobacco_cannot_leave_online_when_delivered_or_shipped(org, cigarettes, mode):
    with pytest.raises(ValidationFailed) as err:
        routing.place_routed_order(
            store=org["stores"]["S1"],
            channel="online",
            fulfilment_mode=mode,
            lines=[services.LineRequest(cigarettes.pk, 1)],
            reference=f"cig-{mode}",
            latitude=31.23,
            longitude=121.47,
        )
    assert err.value.code == OrderError.NOT_SELLABLE


def test_tobacco_pickup_needs_an_id_check_at_the_counter(org, cigarettes, place):
    order = _ready(place((cigarettes, 1)))
    assert order.lines.get().in_store_purchase
    with pytest.raises(ValidationFailed) as err:
        pickup.verify_pickup(org["stores"]["S1"], order.pickup_code)
    assert err.value.code == OrderError.ID_CHECK_REQUIRED
    order.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP
    done = pickup.verify_pickup(org["stores"]["S1"], order.pickup_code, id_checked=True)
    assert done.status == OrderStatus.COMPLETED
    assert done.events.filter(kind="id_checked").exists()


def test_alcohol_pickup_needs_an_age_check(org, baijiu, place):
    order = _ready(place((baijiu, 1)))
    assert pickup.checks_needed(order) == {"id_check": False, "age_check": True, "min_age": 18}
    with pytest.raises(ValidationFailed):
        pickup.verify_pickup(org["stores"]["S1"], order.pickup_code)
    assert pickup.verify_pickup(org["stores"]["S1"], order.pickup_code, id_checked=True)


def test_plain_goods_need_no_check_at_pickup(org, make_sku, place):
    order = _ready(place((make_sku("A"), 1)))
    assert pickup.verify_pickup(org["stores"]["S1"], order.pickup_code).status == "completed"
