"""Same-day delivery by store couriers: a vehicle-routing plan with time windows and courier
capacity (OR-Tools), from the store to the customers' coordinates.

``solve`` is pure (points in, routes out) so the benchmark and tests use it directly;
``nearest_neighbour`` is the baseline the benchmark compares with; ``violations`` checks any
plan against the problem (each stop once, capacity, windows), which is what tests assert —
OR-Tools under a time limit may return different good answers on a loaded machine.

``plan_deliveries`` builds the problem from a store's open delivery orders and saves the
routes (assignment of orders to couriers); ``dispatch_route`` sends a courier out.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.errors import InvalidState, ValidationFailed
from omniretail.core.models import Store
from omniretail.inventory.selectors import haversine_km

from . import services, state
from .errors import OrderError
from .models import Courier, DeliveryRoute, DeliveryStop, FulfilmentMode, Order
from .models import OrderStatus as S

PLANNABLE = (S.PAID, S.ALLOCATED, S.PICKING)


@dataclass(frozen=True)
class Stop:
    key: int
    latitude: float
    longitude: float
    demand: int
    window: tuple[int, int]  # seconds after departure: earliest, latest arrival


@dataclass(frozen=True)
class Vehicle:
    key: int
    capacity: int


@dataclass
class PlannedRoute:
    vehicle: int
    stops: list[tuple[int, int]]  # (stop key, arrival seconds)
    distance_m: int
    load: int
    duration_s: int


@dataclass
class Plan:
    routes: list[PlannedRoute]
    dropped: list[int] = field(default_factory=list)
    solve_seconds: float = 0.0
    method: str = "ortools"

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)


@dataclass(frozen=True)
class Params:
    speed_kmh: float = 18.0
    service_s: int = 120
    horizon_s: int = 4 * 3600

    def travel_s(self, metres: int) -> int:
        return round(metres / (self.speed_kmh / 3.6))


def params() -> Params:
    return Params(speed_kmh=float(getattr(settings, "ORDERS_COURIER_SPEED_KMH", 18.0)))


def distance_matrix(points: list[tuple[float, float]]) -> list[list[int]]:
    """Metres between points (great-circle × 1.3 for streets)."""
    n = len(points)
    m = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            d = round(haversine_km(*points[i], *points[j]) * 1300)
            m[i][j] = m[j][i] = d
    return m


def solve(
    depot: tuple[float, float],
    stops: list[Stop],
    vehicles: list[Vehicle],
    *,
    p: Params | None = None,
    time_limit_s: float = 2.0,
) -> Plan:
    """Minimise total distance; every route starts and ends at the depot, respects courier
    capacity and each stop's time window. Stops that cannot be served are dropped (at a
    large penalty, so only when infeasible) and reported."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    p = p or Params()
    started = time.perf_counter()
    if not stops:
        return Plan([], [], 0.0)
    points = [depot] + [(s.latitude, s.longitude) for s in stops]
    dist = distance_matrix(points)
    n = len(points)
    manager = pywrapcp.RoutingIndexManager(n, len(vehicles), 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance_cb(i: int, j: int) -> int:
        return dist[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def time_cb(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return p.travel_s(dist[a][b]) + (p.service_s if a else 0)

    demands = [0] + [s.demand for s in stops]

    def demand_cb(i: int) -> int:
        return demands[manager.IndexToNode(i)]

    dist_idx = routing.RegisterTransitCallback(distance_cb)
    routing.SetArcCostEvaluatorOfAllVehicles(dist_idx)
    time_idx = routing.RegisterTransitCallback(time_cb)
    routing.AddDimension(time_idx, p.horizon_s, p.horizon_s, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node, stop in enumerate(stops, start=1):
        lo, hi = stop.window
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(max(lo, 0), min(hi, p.horizon_s))
    for v in range(len(vehicles)):
        time_dim.CumulVar(routing.Start(v)).SetRange(0, 0)
    demand_idx = routing.RegisterUnaryTransitCallback(demand_cb)
    routing.AddDimensionWithVehicleCapacity(
        demand_idx, 0, [v.capacity for v in vehicles], True, "load"
    )
    penalty = 100 * (sum(map(sum, dist)) + 1)
    for node in range(1, n):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(max(int(time_limit_s * 1000), 100))
    solution = routing.SolveWithParameters(search)
    if solution is None:
        return Plan([], [s.key for s in stops], time.perf_counter() - started)
    routes: list[PlannedRoute] = []
    visited: set[int] = set()
    for v, vehicle in enumerate(vehicles):
        index = routing.Start(v)
        seq: list[tuple[int, int]] = []
        metres = load = 0
        while not routing.IsEnd(index):
            nxt = solution.Value(routing.NextVar(index))
            metres += dist[manager.IndexToNode(index)][manager.IndexToNode(nxt)]
            node = manager.IndexToNode(nxt)
            if not routing.IsEnd(nxt):
                stop = stops[node - 1]
                seq.append((stop.key, solution.Min(time_dim.CumulVar(nxt))))
                load += stop.demand
                visited.add(node)
            index = nxt
        if seq:
            end = solution.Min(time_dim.CumulVar(routing.End(v)))
            routes.append(PlannedRoute(vehicle.key, seq, metres, load, end))
    dropped = [stops[i - 1].key for i in range(1, n) if i not in visited]
    return Plan(routes, dropped, time.perf_counter() - started)


def nearest_neighbour(
    depot: tuple[float, float],
    stops: list[Stop],
    vehicles: list[Vehicle],
    *,
    p: Params | None = None,
) -> Plan:
    """Baseline: couriers in turn, each goes to the nearest unvisited stop it still has room
    for (waiting for a window's opening, skipping stops it would reach too late)."""
    p = p or Params()
    started = time.perf_counter()
    points = [depot] + [(s.latitude, s.longitude) for s in stops]
    dist = distance_matrix(points)
    left = set(range(1, len(points)))
    routes: list[PlannedRoute] = []
    for vehicle in vehicles:
        here, clock_s, load, metres = 0, 0, 0, 0
        seq: list[tuple[int, int]] = []
        while True:
            best = None
            for node in left:
                stop = stops[node - 1]
                if load + stop.demand > vehicle.capacity:
                    continue
                arrive = clock_s + p.travel_s(dist[here][node])
                if arrive > stop.window[1]:
                    continue
                if best is None or dist[here][node] < dist[here][best]:
                    best = node
            if best is None:
                break
            stop = stops[best - 1]
            arrive = max(clock_s + p.travel_s(dist[here][best]), stop.window[0])
            metres += dist[here][best]
            seq.append((stop.key, arrive))
            clock_s, here, load = arrive + p.service_s, best, load + stop.demand
            left.discard(best)
        if seq:
            metres += dist[here][0]
            clock_s += p.travel_s(dist[here][0])
            routes.append(PlannedRoute(vehicle.key, seq, metres, load, clock_s))
    dropped = [stops[i - 1].key for i in sorted(left)]
    return Plan(routes, dropped, time.perf_counter() - started, method="nearest_neighbour")


def violations(
    plan: Plan,
    depot: tuple[float, float],
    stops: list[Stop],
    vehicles: list[Vehicle],
    *,
    p: Params | None = None,
) -> list[str]:
    """Everything wrong with a plan: stops served twice or never (unless dropped), capacity
    exceeded, arrivals outside windows or inconsistent with travel times, distances misstated."""
    p = p or Params()
    by_key = {s.key: (i + 1, s) for i, s in enumerate(stops)}
    caps = {v.key: v.capacity for v in vehicles}
    dist = distance_matrix([depot] + [(s.latitude, s.longitude) for s in stops])
    problems: list[str] = []
    seen: list[int] = []
    for route in plan.routes:
        here, t, load, metres = 0, 0, 0, 0
        for key, arrive in route.stops:
            node, stop = by_key[key]
            seen.append(key)
            earliest = t + p.travel_s(dist[here][node])
            if arrive < earliest - 1:
                problems.append(f"stop {key}: arrives before it can ({arrive} < {earliest})")
            if not stop.window[0] <= arrive <= stop.window[1]:
                problems.append(f"stop {key}: arrival {arrive} outside {stop.window}")
            metres += dist[here][node]
            load += stop.demand
            here, t = node, arrive + p.service_s
        metres += dist[here][0]
        if load > caps[route.vehicle]:
            problems.append(f"vehicle {route.vehicle}: load {load} > {caps[route.vehicle]}")
        if metres != route.distance_m:
            problems.append(f"vehicle {route.vehicle}: distance {route.distance_m} ≠ {metres}")
    if len(seen) != len(set(seen)):
        problems.append("a stop is served twice")
    missing = set(by_key) - set(seen) - set(plan.dropped)
    if missing:
        problems.append(f"stops neither served nor dropped: {sorted(missing)}")
    return problems


# --- The store's side: plan, save, dispatch ---------------------------------------------------


def _window(order: Order, now: dt.datetime, p: Params) -> tuple[int, int]:
    lo = (
        int((order.delivery_window_start - now).total_seconds())
        if order.delivery_window_start
        else 0
    )
    hi = (
        int((order.delivery_window_end - now).total_seconds())
        if order.delivery_window_end
        else p.horizon_s
    )
    return max(lo, 0), max(min(hi, p.horizon_s), 0)


def plannable_orders(store: Store) -> list[Order]:
    return list(
        Order.objects.filter(
            store=store,
            fulfilment_mode=FulfilmentMode.DELIVERY,
            status__in=PLANNABLE,
            delivery_latitude__isnull=False,
            delivery_longitude__isnull=False,
        ).order_by("delivery_window_end", "pk")[:500]
    )


def plan_deliveries(
    store: Store, *, time_limit_s: float = 2.0
) -> tuple[list[DeliveryRoute], list[int]]:
    """Plan the store's waiting delivery orders over its active couriers and save the routes
    (replacing earlier plans not yet dispatched). Returns the routes and dropped order ids."""
    if store.latitude is None or store.longitude is None:
        raise ValidationFailed(
            OrderError.NO_DELIVERY_POINT, _("The store has no coordinates to start from.")
        )
    couriers = list(Courier.objects.filter(store=store, is_active=True).order_by("pk"))
    if not couriers:
        raise ValidationFailed(OrderError.NO_COURIER, _("The store has no active courier."))
    p = params()
    now = clock.now()
    orders = plannable_orders(store)
    units = dict(
        Order.objects.filter(pk__in=[o.pk for o in orders])
        .annotate(u=Sum("lines__quantity"))
        .values_list("pk", "u")
    )
    stops = [
        Stop(
            o.pk,
            o.delivery_latitude,
            o.delivery_longitude,
            int(units.get(o.pk) or 1),  # type: ignore[arg-type]
            _window(o, now, p),
        )
        for o in orders
    ]
    plan = solve(
        (store.latitude, store.longitude),
        stops,
        [Vehicle(c.pk, c.capacity) for c in couriers],
        p=p,
        time_limit_s=time_limit_s,
    )
    names = {c.pk: c.name for c in couriers}
    saved: list[DeliveryRoute] = []
    with transaction.atomic():
        DeliveryRoute.objects.filter(store=store, dispatched_at__isnull=True).delete()
        for r in plan.routes:
            route = DeliveryRoute.objects.create(
                store=store,
                courier_id=r.vehicle,
                planned_at=now,
                distance_m=r.distance_m,
                duration_s=r.duration_s,
                load=r.load,
            )
            DeliveryStop.objects.bulk_create(
                DeliveryStop(
                    route=route,
                    order_id=key,
                    sequence=n,
                    eta=now + dt.timedelta(seconds=arrive),
                )
                for n, (key, arrive) in enumerate(r.stops, start=1)
            )
            for n, (key, arrive) in enumerate(r.stops, start=1):
                state.record_event(
                    Order(pk=key),
                    "courier_assigned",
                    note=_("Courier %(name)s, stop %(n)s") % {"name": names[r.vehicle], "n": n},
                    data={
                        "route_id": route.pk,
                        "courier_id": r.vehicle,
                        "sequence": n,
                        "eta": (now + dt.timedelta(seconds=arrive)).isoformat(),
                    },
                )
            saved.append(route)
    return saved, plan.dropped


def dispatch_route(route: DeliveryRoute) -> DeliveryRoute:
    """The courier leaves: each stop's order goes out for delivery (orders still waiting to be
    allocated or picked move through those steps first, as the courier takes them)."""
    with transaction.atomic():
        locked = DeliveryRoute.objects.select_for_update().get(pk=route.pk)
        if locked.dispatched_at is not None:
            raise InvalidState(OrderError.INVALID_TRANSITION, _("This route already left."))
        for stop in locked.stops.select_related("order").order_by("sequence"):
            order = stop.order
            if order.status not in PLANNABLE:
                continue  # cancelled (or sent otherwise) since planning: the courier skips it
            if order.status == S.PAID:
                services.allocate(order)
            if order.status == S.ALLOCATED:
                services.start_picking(order)
            services.dispatch(order, S.OUT_FOR_DELIVERY)
        locked.dispatched_at = clock.now()
        locked.save(update_fields=["dispatched_at"])
    return locked


def add_courier(store: Store, name: str, capacity: int) -> Courier:
    name = (name or "").strip()
    if not name or not 1 <= capacity <= 1000:
        raise ValidationFailed(
            OrderError.NO_COURIER, _("A courier needs a name and a capacity of 1–1000 units.")
        )
    return Courier.objects.create(store=store, name=name[:60], capacity=capacity)


def current_routes(store: Store, limit: int = 50) -> list[DeliveryRoute]:
    """The latest plan's routes and today's dispatched ones, newest first."""
    since = clock.now() - dt.timedelta(hours=24)
    return list(
        DeliveryRoute.objects.select_related("courier")
        .filter(store=store, planned_at__gte=since)
        .order_by("-planned_at", "pk")[:limit]
    )


def get_route(route_id: int, store_ids: frozenset[int] | set[int]) -> DeliveryRoute:
    from omniretail.core.errors import NotFound

    route = (
        DeliveryRoute.objects.filter(pk=route_id, store_id__in=store_ids).first()
        if 0 < route_id < 2**62
        else None
    )
    if route is None:
        raise NotFound(_("delivery route"), code=OrderError.NO_COURIER)
    return route
