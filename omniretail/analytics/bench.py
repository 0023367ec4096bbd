"""Analytics benchmarks.

``analytics``: synthetic order lines (10 million × ``--scale``; 200,000 with ``--quick``)
generated with numpy straight into the extract's Parquet layout (one partition per day over a
year, cached under ``<data dir>/bench-analytics/<rows>/``), then the HQ dashboard's panels (KPI
tiles with both comparisons, trend, heatmap, region and store ranking, category and channel
mix, top and bottom SKUs) timed through the real metrics layer on DuckDB; and the same KPI
(GMV, transactions, units per store over 30 days) computed with pandas from the same files.

``basket``: FP-growth rules on 100,000 synthetic baskets with planted pairs.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark

STORES = 12
REGIONS = 3
SKUS = 2000
CATEGORIES = 40
DAYS = 365
END = dt.date(2026, 11, 22)
CHANNELS = np.array(["pos", "online", "marketplace", "phone", "group"])
TIERS = np.array(["normal", "silver", "gold", "black"])


def _bench_dir(rows: int) -> Path:
    return Path(settings.DATA_DIR) / "bench-analytics" / str(rows)


def generate(rows: int, seed: int = 7) -> Path:
    """Write ``rows`` order lines over DAYS days (cached: regenerated only when missing)."""
    base = _bench_dir(rows)
    if (base / "state.json").exists():
        _orders_from_sales(base)
        return base
    from omniretail.analytics.extract import SALES_SCHEMA, STOCK_SCHEMA

    rng = np.random.default_rng(seed)
    weekday_weight = np.array([0.9, 0.9, 0.95, 1.0, 1.2, 1.35, 1.3])
    days = [END - dt.timedelta(days=d) for d in range(DAYS)][::-1]
    weights = np.array([weekday_weight[d.weekday()] for d in days])
    per_day = np.floor(weights / weights.sum() * rows).astype(int)
    per_day[-1] += rows - per_day.sum()
    sku_cat = rng.integers(1, CATEGORIES + 1, SKUS + 1)
    sku_price = np.round(np.exp(rng.normal(3.5, 1.2, SKUS + 1)) * 100).astype(np.int64) + 100
    sku_pop = rng.zipf(1.3, SKUS).astype(float)
    sku_pop = sku_pop / sku_pop.sum()
    hour_p = np.array(
        [0, 0, 0, 0, 0, 0, 0, 1, 3, 4, 5, 8, 9, 7, 5, 4, 5, 8, 9, 9, 7, 5, 3, 1], float
    )
    hour_p /= hour_p.sum()
    order_id = 0
    for day, n in zip(days, per_day, strict=True):
        n = int(n)
        lines_per_order = 2.5
        orders = max(1, int(n / lines_per_order))
        oid = order_id + rng.integers(0, orders, n)
        oid.sort()
        order_id += orders
        store = (oid * 7919 % STORES) + 1
        hour_of_order = rng.choice(24, orders, p=hour_p)
        channel_of_order = rng.choice(len(CHANNELS), orders, p=[0.7, 0.15, 0.1, 0.03, 0.02])
        member_of_order = np.where(rng.random(orders) < 0.45, rng.integers(1, 200_000, orders), -1)
        local = oid - (order_id - orders)
        sku = rng.choice(np.arange(1, SKUS + 1), n, p=sku_pop)
        qty = rng.integers(1, 4, n)
        list_fen = sku_price[sku] * qty
        discount = (list_fen * rng.choice([0, 0, 0, 0.05, 0.1], n)).astype(np.int64)
        member = member_of_order[local]
        channel = CHANNELS[channel_of_order[local]]
        table = pa.Table.from_pydict(
            {
                "order_id": oid.astype(np.int64),
                "line_no": np.ones(n, np.int32),
                "day": pa.array([day] * n, pa.date32()),
                "hour": hour_of_order[local].astype(np.int8),
                "weekday": np.full(n, day.isoweekday(), np.int8),
                "brand_id": np.ones(n, np.int64),
                "region_id": (store % REGIONS + 1).astype(np.int64),
                "store_id": store.astype(np.int64),
                "channel": channel,
                "fulfilment_mode": np.where(channel == "pos", "pos_carry_out", "pickup"),
                "member_id": pa.array(np.where(member > 0, member, 0), pa.int64()).to_numpy(),
                "member_tier": TIERS[np.abs(member) % 4],
                "sku_id": sku.astype(np.int64),
                "category_id": sku_cat[sku].astype(np.int64),
                "quantity": qty.astype(np.int64),
                "list_fen": list_fen,
                "discount_fen": discount,
                "net_fen": list_fen - discount,
                "cost_fen": (list_fen * 0.7).astype(np.int64),
                "sla_due": channel != "pos",
                "sla_met": (channel != "pos") & (rng.random(n) < 0.93),
            }
        )
        mask = pa.array(member > 0)
        table = table.set_column(
            table.schema.get_field_index("member_id"),
            "member_id",
            pa.array(np.where(member > 0, member, 0), pa.int64(), mask=~mask.to_numpy(False)),
        )
        table = table.cast(SALES_SCHEMA)
        folder = base / "sales" / f"day={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part.parquet")
    stock_rows = STORES * SKUS
    stock = pa.Table.from_pydict(
        {
            "day": pa.array([END] * stock_rows, pa.date32()),
            "brand_id": np.ones(stock_rows, np.int64),
            "region_id": (np.repeat(np.arange(1, STORES + 1), SKUS) % REGIONS + 1).astype(np.int64),
            "store_id": np.repeat(np.arange(1, STORES + 1), SKUS).astype(np.int64),
            "sku_id": np.tile(np.arange(1, SKUS + 1), STORES).astype(np.int64),
            "category_id": np.tile(sku_cat[1:], STORES).astype(np.int64),
            "on_hand": rng.integers(-1, 40, stock_rows).clip(0).astype(np.int64),
            "value_fen": rng.integers(0, 500_000, stock_rows).astype(np.int64),
        }
    ).cast(STOCK_SCHEMA)
    folder = base / "stock" / f"day={END.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(stock, folder / "part.parquet")
    _orders_from_sales(base)
    import json

    state = {"data_as_of": f"{END.isoformat()}T23:59:00+08:00", "days_rebuilt": DAYS}
    (base / "state.json").write_text(json.dumps(state))
    return base


def _orders_from_sales(base: Path) -> None:
    """The order-level partitions (as the extract writes them), from each day's lines."""
    import duckdb

    con = duckdb.connect()
    for part in sorted((base / "sales").glob("day=*/part.parquet")):
        target = base / "orders" / part.parent.name / "part.parquet"
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        src = str(part).replace("'", "''")
        dst = str(target).replace("'", "''")
        con.execute(
            "COPY (SELECT order_id, ANY_VALUE(day) AS day, ANY_VALUE(hour) AS hour, "  # noqa: S608
            "ANY_VALUE(weekday) AS weekday, ANY_VALUE(brand_id) AS brand_id, "
            "ANY_VALUE(region_id) AS region_id, ANY_VALUE(store_id) AS store_id, "
            "ANY_VALUE(channel) AS channel, ANY_VALUE(member_id) AS member_id, "
            "ANY_VALUE(member_tier) AS member_tier, SUM(net_fen) AS net_fen, "
            "SUM(quantity) AS units, BOOL_OR(sla_due) AS sla_due, BOOL_OR(sla_met) AS sla_met "
            f"FROM read_parquet('{src}', hive_partitioning = false) GROUP BY order_id "
            f"ORDER BY order_id) TO '{dst}' (FORMAT PARQUET)"
        )
    con.close()


@benchmark("analytics", "HQ dashboard panels on DuckDB over Parquet vs the same KPI in pandas")
def bench_analytics(options: BenchOptions) -> dict[str, Any]:
    import pandas as pd
    from django.test import override_settings

    from omniretail.analytics import dashboards, engine, metrics

    rows = 200_000 if options.quick else int(10_000_000 * max(options.scale, 0.01))
    started = time.perf_counter()
    base = generate(rows)
    generated_s = time.perf_counter() - started
    store_ids = frozenset(range(1, STORES + 1))
    sl = metrics.Slice(END - dt.timedelta(days=29), END, store_ids)
    view = dashboards.View("hq", sl)
    panels = ["kpis", *dashboards.charts_for("hq")]
    rounds = 3 if options.quick else 5
    lat = Latencies()
    per_panel: dict[str, list[float]] = {p: [] for p in panels}
    with override_settings(ANALYTICS_DIR=str(base)):
        engine.invalidate()
        eng = engine.get_engine()
        dashboards.kpis(view)  # warm the connection and the file footers
        for _ in range(rounds):
            for panel in panels:
                t = time.perf_counter()
                with lat.measure():
                    if panel == "kpis":
                        dashboards.kpis(view)
                    else:
                        dashboards.build_chart(panel, view)
                per_panel[panel].append((time.perf_counter() - t) * 1000)
        duck = Latencies()
        for _ in range(rounds):
            with duck.measure():
                kpi = metrics.evaluate(["gmv", "transactions", "units"], sl, "store", eng)
        engine.invalidate()
    files = [
        base / "sales" / f"day={(sl.start + dt.timedelta(days=i)).isoformat()}" / "part.parquet"
        for i in range(sl.days)
    ]
    pan = Latencies()
    for _ in range(rounds):
        with pan.measure():
            frame = pd.concat(
                [
                    pd.read_parquet(f, columns=["order_id", "store_id", "net_fen", "quantity"])
                    for f in files
                ]
            )
            grouped = frame.groupby("store_id").agg(
                gmv=("net_fen", "sum"),
                transactions=("order_id", "nunique"),
                units=("quantity", "sum"),
            )
    same = all(
        int(grouped.loc[s, "transactions"]) == kpi[s]["transactions"]
        and int(grouped.loc[s, "gmv"]) == int(kpi[s]["gmv"] * 100)
        for s in store_ids
    )
    summary = lat.summary()
    duck_ms, pandas_ms = duck.summary()["p50_ms"], pan.summary()["p50_ms"]
    return {
        "ops": len(lat.samples),
        "order_lines": rows,
        "days": DAYS,
        "generated_s": round(generated_s, 2),
        "parquet_mb": round(sum(f.stat().st_size for f in base.rglob("*.parquet")) / 2**20, 1),
        **summary,
        "target_p95_ms": 500,
        "panels_p50_ms": {p: round(sorted(v)[len(v) // 2], 1) for p, v in per_panel.items()},
        "kpi_duckdb_p50_ms": duck_ms,
        "kpi_pandas_p50_ms": pandas_ms,
        "pandas_over_duckdb": round(pandas_ms / duck_ms, 2) if duck_ms else None,
        "kpi_results_equal": same,
        "cpus": os.cpu_count(),
    }


@benchmark("basket", "FP-growth association rules on 100,000 synthetic baskets")
def bench_basket(options: BenchOptions) -> dict[str, Any]:
    from omniretail.analytics import basket

    n = 20_000 if options.quick else 100_000
    rng = np.random.default_rng(11)
    items = 500
    pop = 1.0 / np.arange(1, items + 1) ** 0.9  # long-tailed item popularity
    pop /= pop.sum()
    pairs = [(1, 2), (3, 4), (5, 6), (7, 8)]
    baskets: list[list[int]] = []
    sizes = rng.integers(1, 9, n)
    draws = rng.choice(items, int(sizes.sum()), p=pop)
    pos = 0
    for i, size in enumerate(sizes):
        b = set(draws[pos : pos + size].tolist())
        pos += size
        a, c = pairs[i % len(pairs)]
        a, c = a + 100, c + 100  # planted among mid-popularity items
        if rng.random() < 0.08:
            b.update((a, c))
        baskets.append(sorted(b))
    started = time.perf_counter()
    result = basket.mine(baskets, min_support=0.002, min_confidence=0.1)
    wall = time.perf_counter() - started
    planted = {(str(a + 100), str(c + 100)) for a, c in pairs}
    found = {(r.antecedent[0], r.consequent) for r in result.rules if len(r.antecedent) == 1}
    return {
        "ops": len(result.rules),
        "baskets": n,
        "items": result.items,
        "min_support": 0.002,
        "min_confidence": 0.1,
        "rules": len(result.rules),
        "seconds": round(wall, 3),
        "wall_s": round(wall, 3),
        "rules_per_s": round(len(result.rules) / wall, 1) if wall else None,
        "planted_pairs_found": len(planted & found),
        "planted_pairs": len(planted),
    }
