"""Routing: each factor (rule, availability, distance, load, split) decides in one example."""

from __future__ import annotations

import pytest

from omniretail.core.errors import Conflict
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.orders import routing, services
from omniretail.orders.errors import OrderError
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db

NEAR_S1 = (31.24, 121.48)


def _route(org, sku, qty, *, chosen="S3", mode="ship", point=NEAR_S1, **kw):
    return routing.route_order(
        store=org["stores"][chosen],
        mode=mode,
        lines=[services.LineRequest(sku.pk, qty)],
        latitude=point[0],
        longitude=point[1],
        **kw,
    )


def _only(plan):
    assert len(plan.allocations) == 1
    return plan.allocations[0].location_id


def test_chosen_store_wins_when_it_can_fulfil_although_another_is_nearer(org, make_sku):
    sku = make_sku("A", stock={"S1": 5, "S2": 5})
    plan = _route(org, sku, 2, chosen="S2")
    assert _only(plan) == org["floor"]["S2"].pk and plan.decided_by == "rule"


def test_nearest_location_wins_when_several_have_stock(org, make_sku):
    sku = make_sku("A", stock={"S1": 5, "S2": 5})
    plan = _route(org, sku, 2)
    assert _only(plan) == org["floor"]["S1"].pk and plan.decided_by == "distance"


def test_farther_location_wins_when_the_nearest_lacks_stock(org, make_sku):
    sku = make_sku("A", stock={"S1": 1, "S2": 5})
    plan = _route(org, sku, 2)
    assert _only(plan) == org["floor"]["S2"].pk and plan.decided_by == "availability"


def test_less_loaded_store_wins_when_the_nearest_is_busy(org, make_sku, place, settings):
    settings.ORDERS_ROUTING_LOAD_KM = 500.0
    sku = make_sku("A", stock={"S1": 5, "S2": 5})
    services.mark_paid(place((sku, 1), store="S1", mode="ship"))  # S1 is picking one order
    plan = _route(org, sku, 2)
    assert _only(plan) == org["floor"]["S2"].pk and plan.decided_by == "load"
    s1 = next(c for c in plan.candidates if c.location_id == org["floor"]["S1"].pk)
    assert s1.load == 1


def test_order_is_refused_when_no_location_covers_it_and_split_not_allowed(org, make_sku):
    sku = make_sku("A", stock={"S1": 3, "S2": 3})
    with pytest.raises(Conflict) as err:
        _route(org, sku, 5)
    assert err.value.code == OrderError.NO_ROUTE


def test_order_splits_nearest_first_when_split_allowed(org, make_sku):
    sku = make_sku("A", stock={"S1": 3, "S2": 3})
    orders = routing.place_routed_order(
        store=org["stores"]["S3"],
        channel="online",
        fulfilment_mode="ship",
        lines=[services.LineRequest(sku.pk, 5)],
        reference="split-1",
        latitude=NEAR_S1[0],
        longitude=NEAR_S1[1],
        allow_split=True,
    )
    assert [(o.location_id, o.lines.get().quantity) for o in orders] == [
        (org["floor"]["S1"].pk, 3),
        (org["floor"]["S2"].pk, 2),
    ]
    assert {o.split_group for o in orders} == {"split-1"}
    held = dict(StockLevel.objects.filter(sku=sku).values_list("location__code", "reserved"))
    assert held == {"S1-FL": 3, "S2-FL": 2}
    again = routing.place_routed_order(
        store=org["stores"]["S3"],
        channel="online",
        fulfilment_mode="ship",
        lines=[services.LineRequest(sku.pk, 5)],
        reference="split-1",
        allow_split=True,
    )
    assert [o.pk for o in again] == [o.pk for o in orders]


def test_pickup_is_never_routed_away_from_the_chosen_store(org, make_sku):
    sku = make_sku("A", stock={"S2": 5})
    with pytest.raises(Conflict):
        _route(org, sku, 1, chosen="S1", mode="pickup", allow_split=True)


def test_delivery_only_leaves_from_stores_within_the_radius(org, make_sku):
    sku = make_sku("A", stock={"S2": 5})
    with pytest.raises(Conflict):
        _route(org, sku, 1, mode="delivery")
    sku2 = make_sku("B", stock={"S1": 5})
    assert _only(_route(org, sku2, 1, mode="delivery")) == org["floor"]["S1"].pk


def test_parcel_ships_from_a_warehouse_when_only_it_has_stock(org, make_sku):
    from omniretail.inventory import services as inventory

    sku = make_sku("A", stock={})
    wh = org["regional"]
    wh.fulfils_online = True
    wh.save()
    inventory.receive(
        sku_id=sku.pk, location_id=wh.pk, quantity=4, unit_cost_fen=500, reference="rcv-wh"
    )
    [order] = routing.place_routed_order(
        store=org["stores"]["S1"],
        channel="online",
        fulfilment_mode="ship",
        lines=[services.LineRequest(sku.pk, 2)],
        reference="wh-1",
    )
    assert (order.location_id, order.store_id) == (wh.pk, org["stores"]["S1"].pk)
    assert Reservation.objects.get(reference=f"{order.number}:1").location_id == wh.pk


def test_routed_order_records_why_on_its_timeline(org, make_sku):
    sku = make_sku("A", stock={"S1": 5, "S2": 5})
    [order] = routing.place_routed_order(
        store=org["stores"]["S3"],
        channel="online",
        fulfilment_mode="ship",
        lines=[services.LineRequest(sku.pk, 1)],
        reference="r-1",
        latitude=NEAR_S1[0],
        longitude=NEAR_S1[1],
    )
    event = Order.objects.get(pk=order.pk).events.get(kind="routed")
    assert event.data["decided_by"] == "distance" and event.data["location"] == "S1-FL"
    assert order.delivery_latitude == NEAR_S1[0]
