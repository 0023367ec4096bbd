"""Inventory benchmarks: contended reservations and multi-location availability.

Both build their own data under a separate brand (``BENCH``) through the services, so the
ledger and projections stay consistent and ``check-invariants`` still passes afterwards.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from typing import Any

from django.db import connection, connections

from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark, percentile


def bench_org() -> tuple[Any, Any, Any]:
    """The benchmark brand, its region and a category (created once)."""
    from omniretail.catalog.models import Category
    from omniretail.core.models import Brand, Region

    brand, _ = Brand.objects.get_or_create(code="BENCH", defaults={"name": "基准测试"})
    region, _ = Region.objects.get_or_create(brand=brand, code="BENCH", defaults={"name": "基准"})
    category, created = Category.objects.get_or_create(
        brand=brand, code="BENCH", defaults={"name": "基准", "path": ""}
    )
    if created:
        category.path = f"{category.pk:06d}/"
        category.save(update_fields=["path"])
    return brand, region, category


def make_bench_sku(tag: str) -> Any:
    from omniretail.catalog.models import Product, Sku

    brand, _region, category = bench_org()
    product = Product.objects.create(
        brand=brand, category=category, code=f"BP-{tag}", name=f"基准{tag}", status="active"
    )
    # Draft: benchmark SKUs are never for sale, and carry no barcode.
    return Sku.objects.create(product=product, code=f"BS-{tag}", name=f"基准{tag}", status="draft")


def make_bench_locations(tag: str, n: int) -> list[Any]:
    from omniretail.core.models import Location, LocationKind

    brand, region, _category = bench_org()
    return Location.objects.bulk_create(
        [
            Location(
                brand=brand,
                region=region,
                code=f"BL-{tag}-{i}",
                name=f"基准仓{i}",
                kind=LocationKind.FRONT_WAREHOUSE,
                latitude=20 + (i % 100) * 0.2,
                longitude=100 + (i // 100) * 0.5,
                fulfils_online=True,
            )
            for i in range(n)
        ]
    )


def reserve_worker(args: tuple[str, int, int, int, str]) -> dict[str, Any]:
    """One contending process: ``attempts`` single-unit reservations, each its own request."""
    db_name, sku_id, location_id, attempts, prefix = args
    from omniretail.core.errors import DomainError

    connections.close_all()
    connection.settings_dict["NAME"] = db_name
    from .reservations import reserve

    ok = refused = errors = 0
    samples: list[float] = []
    for i in range(attempts):
        start = time.perf_counter()
        try:
            reserve(sku_id=sku_id, location_id=location_id, quantity=1, reference=f"{prefix}-{i}")
            ok += 1
        except DomainError:
            refused += 1
        except Exception:
            errors += 1
        samples.append((time.perf_counter() - start) * 1000)
    connections.close_all()
    return {"ok": ok, "refused": refused, "errors": errors, "samples": samples}


def contend(
    sku_id: int, location_id: int, workers: int, attempts_per_worker: int, tag: str
) -> dict[str, Any]:
    """Run ``workers`` processes against one SKU × location; returns merged figures."""
    db_name = connection.settings_dict["NAME"]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    jobs = [
        (db_name, sku_id, location_id, attempts_per_worker, f"{tag}-w{w}") for w in range(workers)
    ]
    start = time.perf_counter()
    with ctx.Pool(workers) as pool:
        results = pool.map(reserve_worker, jobs)
    seconds = time.perf_counter() - start
    samples = [s for r in results for s in r["samples"]]
    return {
        "succeeded": sum(r["ok"] for r in results),
        "refused": sum(r["refused"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "seconds": seconds,
        "samples": samples,
    }


@benchmark("reserve", "Worker processes contending to reserve the last units of one SKU.")
def reserve_bench(options: BenchOptions) -> dict[str, Any]:
    from .models import StockLevel
    from .movements import receive

    units = int(options.extra.get("units", 50 if options.quick else 500))
    workers = max(2, options.workers)
    attempts_per_worker = int(units * 1.5 / workers) + 1
    tag = uuid.uuid4().hex[:8]
    sku = make_bench_sku(tag)
    location = make_bench_locations(tag, 1)[0]
    receive(
        sku_id=sku.pk,
        location_id=location.pk,
        quantity=units,
        unit_cost_fen=100,
        reference=f"BENCH-{tag}",
    )
    figures = contend(sku.pk, location.pk, workers, attempts_per_worker, tag)
    level = StockLevel.objects.get(sku=sku, location=location)
    attempts = workers * attempts_per_worker
    return {
        "ops": attempts,
        "units": units,
        "workers": workers,
        "attempts": attempts,
        "succeeded": figures["succeeded"],
        "refused": figures["refused"],
        "errors": figures["errors"],
        "oversold": max(level.reserved - level.on_hand, 0) + max(figures["succeeded"] - units, 0),
        "seconds": round(figures["seconds"], 4),
        "throughput_per_s": round(attempts / figures["seconds"], 1),
        "p50_ms": round(percentile(figures["samples"], 50), 3),
        "p95_ms": round(percentile(figures["samples"], 95), 3),
        "p99_ms": round(percentile(figures["samples"], 99), 3),
    }


@benchmark("stock-query", "Availability of one SKU across 500 locations (p95 ms).")
def stock_query_bench(options: BenchOptions) -> dict[str, Any]:
    from .selectors import where_is

    n_locations = 500
    queries = 20 if options.quick else 200
    tag = uuid.uuid4().hex[:8]
    sku = make_bench_sku(tag)
    locations = make_bench_locations(tag, n_locations)
    _seed_levels(sku, locations)
    ids = frozenset(loc.pk for loc in locations)
    lat = Latencies()
    rows = 0
    start = time.perf_counter()
    for i in range(queries):
        with lat.measure():
            rows = len(where_is(sku.pk, ids, latitude=31.0 + i % 3, longitude=121.0))
    seconds = time.perf_counter() - start
    return {
        "ops": queries,
        "locations": n_locations,
        "rows": rows,
        "seconds": round(seconds, 4),
        "throughput_per_s": round(queries / seconds, 1),
        **lat.summary(),
    }


def _seed_levels(sku: Any, locations: list[Any]) -> None:
    """Opening stock at every location through the same bulk writer the seeder uses."""
    from .seed import bulk_opening_stock

    bulk_opening_stock(
        [(sku.pk, loc.pk, 5 + i % 20, 100, None) for i, loc in enumerate(locations)],
        reference="BENCH-OPENING",
    )
