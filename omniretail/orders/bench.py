"""Orders benchmarks (autodiscovered by ``omniretail bench``).

``order-place``: threads place online pickup orders concurrently against the configured
database (SQLite or PostgreSQL via ``OMNIRETAIL_DATABASE_URL``), each order pricing its
lines and reserving stock through inventory — the real ``place_order`` path. Reports
orders/s and latency percentiles, and checks afterwards that reservations equal the units
ordered (no oversell, no lost reservation).

``routing``: a 60-stop same-day delivery plan with time windows for 4 couriers: OR-Tools
solve time and total distance, against the nearest-neighbour baseline in the same run.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from django.db import connection, connections

from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark


@benchmark(
    "order-place",
    "Concurrent online order placement with reservation (threads against the database).",
)
def order_place_bench(options: BenchOptions) -> dict[str, Any]:
    from omniretail.core.errors import DomainError
    from omniretail.core.models import Store
    from omniretail.inventory.models import StockLevel
    from omniretail.reliability.scenarios import create_sale

    from .models import Order
    from .services import LineRequest, place_order

    total = 60 if options.quick else int(options.extra.get("orders", 2000))
    threads = int(options.extra.get("threads", 2 if options.quick else 4))
    sale = create_sale(total * 2)
    store = Store.objects.get(pk=sale.store_id)
    connections.close_all()
    latencies = Latencies()
    lock = threading.Lock()
    errors: list[str] = []
    counter = iter(range(total))

    def worker() -> None:
        local = Latencies()
        try:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    break
                with local.measure():
                    try:
                        place_order(
                            store=store,
                            channel="online",
                            fulfilment_mode="pickup",
                            lines=[LineRequest(sale.sku_id, 1 + n % 2)],
                            reference=f"bench-{sale.tag}-{n}",
                        )
                    except DomainError as exc:
                        with lock:
                            errors.append(exc.code)
                    except Exception as exc:  # counted, so a broken run never looks clean
                        with lock:
                            errors.append(type(exc).__name__)
        finally:
            connection.close()
            with lock:
                latencies.samples.extend(local.samples)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - started
    orders = Order.objects.filter(store_id=sale.store_id)
    units = sum(1 + n % 2 for n in range(total))
    level = StockLevel.objects.get(sku_id=sale.sku_id, location_id=sale.location_id)
    return {
        "ops": orders.count(),
        "seconds": round(seconds, 4),
        "throughput_per_s": round(orders.count() / seconds, 2) if seconds else 0.0,
        "orders_per_s": round(orders.count() / seconds, 2) if seconds else 0.0,
        "threads": threads,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "reserved_units": level.reserved,
        "ordered_units": units,
        "reservations_match": level.reserved == units and not errors,
        **latencies.summary(),
    }


def routing_problem(stops: int, couriers: int, seed: int = 20261123) -> tuple[Any, Any, Any]:
    """Stops within ~5 km of a Shanghai store, windows of 1–2 h over a 4-hour shift,
    1–4 units each; courier capacity leaves ~20 % slack."""
    from .delivery import Stop, Vehicle

    rng = random.Random(seed)
    depot = (31.2304, 121.4737)
    out, demand = [], 0
    for i in range(stops):
        start = rng.choice([0, 1800, 3600, 5400, 7200])
        qty = rng.randint(1, 4)
        demand += qty
        out.append(
            Stop(
                i + 1,
                depot[0] + rng.uniform(-0.045, 0.045),
                depot[1] + rng.uniform(-0.05, 0.05),
                qty,
                (start, start + rng.choice([3600, 5400, 7200])),
            )
        )
    capacity = int(demand * 1.2 / couriers) + 1
    return depot, out, [Vehicle(k + 1, capacity) for k in range(couriers)]


@benchmark(
    "routing",
    "Same-day delivery plan: 60 stops with time windows, 4 couriers, OR-Tools vs nearest neighbour.",
)
def routing_bench(options: BenchOptions) -> dict[str, Any]:
    from .delivery import nearest_neighbour, solve, violations

    n = int(options.extra.get("stops", 60))
    couriers = int(options.extra.get("couriers", 4))
    limit = float(options.extra.get("time_limit_s", 1.0 if options.quick else 10.0))
    depot, stops, vehicles = routing_problem(n, couriers)
    plan = solve(depot, stops, vehicles, time_limit_s=limit)
    baseline = nearest_neighbour(depot, stops, vehicles)
    problems = violations(plan, depot, stops, vehicles)
    served = n - len(plan.dropped)
    nn_served = n - len(baseline.dropped)
    return {
        "ops": 1,
        "seconds": round(plan.solve_seconds, 3),
        "stops": n,
        "couriers": couriers,
        "time_limit_s": limit,
        "solve_seconds": round(plan.solve_seconds, 3),
        "served": served,
        "total_distance_km": round(plan.distance_m / 1000, 2),
        "nearest_neighbour_served": nn_served,
        "nearest_neighbour_distance_km": round(baseline.distance_m / 1000, 2),
        "distance_ratio": round(plan.distance_m / baseline.distance_m, 3)
        if baseline.distance_m
        else None,
        "km_per_stop": round(plan.distance_m / 1000 / served, 3) if served else None,
        "nearest_neighbour_km_per_stop": round(baseline.distance_m / 1000 / nn_served, 3)
        if nn_served
        else None,
        "feasible": not problems,
        "violations": problems[:5],
    }
