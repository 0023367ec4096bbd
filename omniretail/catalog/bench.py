"""Catalog benchmarks: search latency over a large catalog, import throughput.

Both build their own data under dedicated brands (BENCH-CAT, BENCH-IMP) and leave it, so
they never touch demo data and a rerun reuses what is there.
"""

from __future__ import annotations

import csv
import io
import random
import time
from typing import Any

from django.db import connection

from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark
from omniretail.core.models import Brand

from .importer import COLUMNS, run_import
from .models import Barcode, Sku
from .search import search_sku_ids
from .seed import build_rows, ensure_reference_data, load_rows


def _bench_brand(code: str) -> Brand:
    brand, _created = Brand.objects.get_or_create(
        code=code, defaults={"name": f"基准测试 {code}", "gs1_prefix": "2"}
    )
    ensure_reference_data(brand)
    return brand


@benchmark(
    "catalog-search",
    "Catalog search p50/p95 over 100,000 SKUs (name, pinyin, initials, barcode, code).",
)
def catalog_search(options: BenchOptions) -> dict[str, Any]:
    target = 3000 if options.quick else int(100_000 * options.scale)
    brand = _bench_brand("BENCH-CAT")
    have = Sku.objects.filter(product__brand=brand).count()
    build_start = time.perf_counter()
    if have < target:
        rows = build_rows(random.Random(have + 11), target - have, prefix=f"BC{have}-")
        load_rows(brand, rows)
    build_s = time.perf_counter() - build_start
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rng = random.Random(5)
    barcodes = list(
        Barcode.objects.filter(sku__product__brand=brand).values_list("code", flat=True)[:2000]
    )
    codes = list(Sku.objects.filter(product__brand=brand).values_list("code", flat=True)[:2000])
    words = [
        "mt",
        "茅台",
        "maotai",
        "wly",
        "五粮液",
        "飞天",
        "青岛",
        "pj",
        "中华",
        "zh",
        "yanghe",
        "汾酒",
        "500ml",
        "礼盒",
        "薯片",
        "fj",
        "国窖",
        "lzlj",
        "矿泉水",
        "mt 500ml",
    ]
    queries = []
    ops = 200 if options.quick else 2000
    for i in range(ops):
        kind = i % 4
        if kind == 0 and barcodes:
            queries.append(rng.choice(barcodes))
        elif kind == 1 and codes:
            queries.append(rng.choice(codes))
        else:
            queries.append(rng.choice(words))
    lat = Latencies()
    hits = 0
    start = time.perf_counter()
    for q in queries:
        with lat.measure():
            hits += bool(search_sku_ids(q, limit=20))
    seconds = time.perf_counter() - start
    return {
        "ops": ops,
        "skus": Sku.objects.filter(product__brand=brand).count(),
        "build_seconds": round(build_s, 2),
        "hit_rate": round(hits / ops, 3),
        "seconds": round(seconds, 4),
        "throughput_per_s": round(ops / seconds, 1),
        **lat.summary(),
    }


@benchmark(
    "catalog-import", "Product import rows/s for a 100,000-row CSV (validate + chunked apply)."
)
def catalog_import(options: BenchOptions) -> dict[str, Any]:
    n = 1000 if options.quick else int(100_000 * options.scale)
    brand = _bench_brand("BENCH-IMP")
    have = Sku.objects.filter(product__brand=brand).count()
    rows = build_rows(random.Random(have + 23), n, prefix=f"BI{have}-")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    for r in rows:
        writer.writerow({c: r.get(c, "") for c in COLUMNS})
    content = buf.getvalue().encode()
    start = time.perf_counter()
    report = run_import(brand, "bench.csv", content)
    seconds = time.perf_counter() - start
    again = time.perf_counter()
    rerun = run_import(brand, "bench.csv", content)
    rerun_s = time.perf_counter() - again
    return {
        "ops": n,
        "seconds": round(seconds, 3),
        "rows_per_s": round(n / seconds, 1),
        "throughput_per_s": round(n / seconds, 1),
        "created": report.count("created"),
        "errors": len(report.errors),
        "rerun_unchanged": rerun.count("unchanged"),
        "rerun_rows_per_s": round(n / rerun_s, 1),
    }


from . import scale_bench, seed_bench  # noqa: E402,F401  (register the large-catalog benchmarks)
