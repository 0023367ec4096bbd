"""Delivery routing: feasibility and bounds, never exact optima (time-limited solver)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from omniretail.core import clock
from omniretail.core.errors import ValidationFailed
from omniretail.orders import delivery, routing, services
from omniretail.orders.models import Courier, DeliveryRoute, OrderStatus

DEPOT = (31.23, 121.47)


def _problem(n, couriers, seed=7, capacity=25):
    rng = random.Random(seed)
    stops = []
    for i in range(n):
        lo = rng.choice([0, 1800, 3600])
        stops.append(
            delivery.Stop(
                i + 1,
                DEPOT[0] + rng.uniform(-0.04, 0.04),
                DEPOT[1] + rng.uniform(-0.04, 0.04),
                rng.randint(1, 3),
                (lo, lo + 5400),
            )
        )
    return stops, [delivery.Vehicle(k, capacity) for k in range(couriers)]


def test_plan_serves_every_stop_within_windows_and_capacity_when_feasible():
    stops, vehicles = _problem(20, 3)
    plan = delivery.solve(DEPOT, stops, vehicles, time_limit_s=0.5)
    assert plan.dropped == []
    assert delivery.violations(plan, DEPOT, stops, vehicles) == []
    assert sorted(k for r in plan.routes for k, _ in r.stops) == list(range(1, 21))


def test_plan_is_no_longer_than_nearest_neighbour_when_both_serve_all():
    stops, vehicles = _problem(25, 4, seed=3)
    plan = delivery.solve(DEPOT, stops, vehicles, time_limit_s=0.5)
    baseline = delivery.nearest_neighbour(DEPOT, stops, vehicles)
    assert delivery.violations(baseline, DEPOT, stops, vehicles) == []
    if not baseline.dropped:
        assert plan.distance_m <= baseline.distance_m


def test_stop_is_dropped_not_violated_when_its_window_cannot_be_met():
    far = delivery.Stop(99, 31.9, 122.2, 1, (0, 60))  # ~100 km away, due in a minute
    near = delivery.Stop(1, 31.231, 121.471, 1, (0, 3600))
    vehicles = [delivery.Vehicle(1, 5)]
    plan = delivery.solve(DEPOT, [far, near], vehicles, time_limit_s=0.5)
    assert plan.dropped == [99]
    assert delivery.violations(plan, DEPOT, [far, near], vehicles) == []


def test_courier_capacity_forces_a_second_courier_when_loads_exceed_one():
    stops = [delivery.Stop(i, 31.23 + i / 1000, 121.47, 4, (0, 7200)) for i in range(1, 4)]
    vehicles = [delivery.Vehicle(1, 8), delivery.Vehicle(2, 8)]
    plan = delivery.solve(DEPOT, stops, vehicles, time_limit_s=0.5)
    assert plan.dropped == [] and len(plan.routes) == 2
    assert all(r.load <= 8 for r in plan.routes)


@pytest.mark.django_db
def test_store_plan_assigns_orders_to_couriers_and_dispatch_sends_them_out(
    org, make_sku, frozen_now
):
    store = org["stores"]["S1"]
    sku = make_sku("A", stock={"S1": 30})
    Courier.objects.create(store=store, name="小王", capacity=6)
    Courier.objects.create(store=store, name="小李", capacity=6)
    now = clock.now()
    orders = []
    for i in range(5):
        [order] = routing.place_routed_order(
            store=store,
            channel="online",
            fulfilment_mode="delivery",
            lines=[services.LineRequest(sku.pk, 2)],
            reference=f"d-{i}",
            latitude=31.23 + 0.005 * i,
            longitude=121.47 + 0.004 * (i % 2),
            window=(now, now + dt.timedelta(hours=2)),
        )
        services.mark_paid(order)
        orders.append(order)
    routes, dropped = delivery.plan_deliveries(store, time_limit_s=0.5)
    assert dropped == []
    planned = [s.order_id for r in routes for s in r.stops.all()]
    assert sorted(planned) == sorted(o.pk for o in orders)
    assert all(r.load <= 6 for r in routes)
    assert all(r.stops.first().eta >= now for r in routes)
    assert orders[0].events.filter(kind="courier_assigned").exists()
    for route in routes:
        delivery.dispatch_route(route)
    assert {o.status for o in type(orders[0]).objects.filter(pk__in=planned)} == {
        OrderStatus.OUT_FOR_DELIVERY
    }
    assert DeliveryRoute.objects.filter(dispatched_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_planning_is_refused_when_the_store_has_no_courier(org):
    with pytest.raises(ValidationFailed):
        delivery.plan_deliveries(org["stores"]["S1"])


@pytest.mark.django_db
def test_dispatch_skips_an_order_cancelled_after_planning(org, make_sku, frozen_now):
    store = org["stores"]["S1"]
    sku = make_sku("A", stock={"S1": 10})
    Courier.objects.create(store=store, name="小王", capacity=10)
    orders = []
    for i in range(2):
        [order] = routing.place_routed_order(
            store=store,
            channel="online",
            fulfilment_mode="delivery",
            lines=[services.LineRequest(sku.pk, 1)],
            reference=f"skip-{i}",
            latitude=31.232 + i / 500,
            longitude=121.472,
        )
        services.mark_paid(order)
        orders.append(order)
    [route], _dropped = delivery.plan_deliveries(store, time_limit_s=0.3)
    services.cancel(orders[0], reason="customer changed mind")
    delivery.dispatch_route(route)
    orders[1].refresh_from_db()
    assert orders[1].status == OrderStatus.OUT_FOR_DELIVERY
