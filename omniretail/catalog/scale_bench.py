"""Large-catalog benchmarks (issue #12): ``pos-scan``, ``catalog-list`` and ``esl-feed``
(``seed-large`` is in ``seed_bench``, ``pos-open`` in ``omniretail.pos.open_bench``).

``pos-scan`` and ``catalog-list`` drive the real request stack in process (middleware, token
auth, ninja, selectors) against whatever database is configured — the large seed for the
figures, the demo seed for ``--quick`` smoke runs. They pick a store carrying the largest
assortment and a bench user created through the accounts services (``bench-scale-*``), so the
data they add is two users and their tokens.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark, percentile
from omniretail.core.models import Location, LocationKind, Store

from .models import Barcode, Category, Sku

BENCH_PASSWORD = "Bench-Scale-2026!"


def _largest_store() -> tuple[Store, int]:
    """The store whose sales floor carries the most SKUs (a flagship on the large seed)."""
    from omniretail.inventory.models import StockLevel

    preferred = Store.objects.filter(code="X0001").first()
    if preferred is not None:
        floor = Location.objects.filter(store=preferred, kind=LocationKind.STORE_FLOOR).first()
        n = StockLevel.objects.filter(location=floor).count() if floor else 0
        if n:
            return preferred, n
    best = (
        StockLevel.objects.filter(location__kind=LocationKind.STORE_FLOOR)
        .values("location__store_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if best is None:
        raise RuntimeError("no store carries stock: run `omniretail seed` first")
    return Store.objects.get(pk=best["location__store_id"]), best["n"]


def bench_user(role: str, store: Store | None) -> Any:
    from omniretail.accounts.models import User
    from omniretail.accounts.permissions import Role
    from omniretail.accounts.services import ScopeTarget, assign_role, create_user

    username = f"bench-scale-{role}-{store.code if store else 'brand'}".lower()
    brand = store.brand if store else Store.objects.order_by("pk").first().brand  # type: ignore[union-attr]
    target = ScopeTarget(brand=brand, store=store)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(
            username=username, password=BENCH_PASSWORD, role=Role(role), target=target
        )
    else:
        assign_role(user, Role(role), target)
    return user


def _token_client(user: Any) -> tuple[Client, dict[str, str]]:
    from omniretail.accounts.services import issue_token

    _token, raw = issue_token(user, name="bench-scale")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _sample_barcodes(store: Store, n: int, rng: random.Random) -> list[str]:
    from omniretail.inventory.models import StockLevel

    floor = Location.objects.get(store=store, kind=LocationKind.STORE_FLOOR)
    sku_ids = list(StockLevel.objects.filter(location=floor).values_list("sku_id", flat=True))
    picked = rng.sample(sku_ids, min(n, len(sku_ids)))
    codes = list(Barcode.objects.filter(sku_id__in=picked).values_list("code", flat=True))
    rng.shuffle(codes)
    return codes


@benchmark(
    "pos-scan",
    "Barcode scan → priced line (promotions, availability) through the POS API: p50/p95, "
    "queries per scan.",
)
def pos_scan(options: BenchOptions) -> dict[str, Any]:
    rng = random.Random(12)
    store, assortment = _largest_store()
    client, headers = _token_client(bench_user("cashier", store))
    codes = _sample_barcodes(
        store, int(options.extra.get("scans", 200 if options.quick else 2000)), rng
    )
    url = "/api/v1/pos/scan"
    errors = 0
    for code in codes[:20]:  # warm-up: caches, connection, first-query plans
        client.get(url, {"store_id": store.pk, "barcode": code}, **headers)
    lat = Latencies()
    statuses: dict[int, int] = {}
    for code in codes:
        with lat.measure():
            response = client.get(url, {"store_id": store.pk, "barcode": code}, **headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        errors += response.status_code >= 500
    queries: list[int] = []
    for code in codes[:50]:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, {"store_id": store.pk, "barcode": code}, **headers)
        queries.append(len(ctx.captured_queries))
    summary = lat.summary()
    return {
        "ops": len(codes),
        "store": store.code,
        "assortment": assortment,
        "active_skus": Sku.objects.filter(status="active").count(),
        "statuses": statuses,
        "server_errors": errors,
        "queries_per_scan": round(percentile([float(q) for q in queries], 50), 1),
        "queries_per_scan_max": max(queries) if queries else 0,
        "target_p95_ms": 10,
        "within_target": summary["p95_ms"] < 10,
        **summary,
    }


def _page_walk(
    client: Client, url: str, params: dict[str, Any], headers: dict[str, str], pages: int
) -> tuple[list[float], int]:
    """Walk ``pages`` pages by cursor; the wall time of every page in ms and rows seen."""
    times, rows, cursor = [], 0, None
    for _ in range(pages):
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        start = time.perf_counter()
        response = client.get(url, query, **headers)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:200]!r}")
        body = response.json()
        rows += len(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return times, rows


@benchmark(
    "catalog-list",
    "Back-office SKU list with two filters and a sort: first and 100th page by keyset cursor.",
)
def catalog_list(options: BenchOptions) -> dict[str, Any]:
    user = bench_user("hq_admin", None)
    client, headers = _token_client(user)
    brand_id = Store.objects.order_by("pk").first().brand_id  # type: ignore[union-attr]
    biggest = (
        Sku.objects.filter(product__brand_id=brand_id, status="active")
        .values("product__category_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    category = Category.objects.get(pk=biggest["product__category_id"])  # type: ignore[index]
    pages = int(options.extra.get("pages", 10 if options.quick else 100))
    rounds = int(options.extra.get("rounds", 3 if options.quick else 10))
    sorts = ["code", "-updated", "name"]
    # The first request of a fresh process resolves the HQ scope (a thousand stores), loads
    # templates and builds the API's schemas: reported on its own, then left out of the rounds.
    start = time.perf_counter()
    _page_walk(
        client,
        "/api/v1/catalog/skus",
        {"status": "active", "category_id": category.pk, "limit": 50},
        headers,
        1,
    )
    cold_api_ms = (time.perf_counter() - start) * 1000
    first: list[float] = []
    deep: list[float] = []
    per_sort: dict[str, Any] = {}
    rows = 0
    for sort in sorts:
        params = {"status": "active", "category_id": category.pk, "sort": sort, "limit": 50}
        s_first, s_deep = [], []
        for _round in range(rounds):
            times, rows = _page_walk(client, "/api/v1/catalog/skus", params, headers, pages)
            s_first.append(times[0])
            s_deep.append(times[-1])
        first += s_first
        deep += s_deep
        per_sort[sort] = {
            "first_p95_ms": round(percentile(s_first, 95), 2),
            "last_page_p95_ms": round(percentile(s_deep, 95), 2),
        }
    # the HTML page a back-office user sees (session login), same filters
    page_client = Client()
    page_client.force_login(user)
    page_times = []
    start = time.perf_counter()
    page_client.get("/catalog/", {"status": "active", "category": category.pk})
    cold_page_ms = (time.perf_counter() - start) * 1000
    for _round in range(rounds):
        start = time.perf_counter()
        response = page_client.get(
            "/catalog/", {"status": "active", "category": category.pk, "sort": "name"}
        )
        page_times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"/catalog/ answered {response.status_code}")
    p95 = max(percentile(first, 95), percentile(deep, 95))
    return {
        "ops": len(first) + len(deep),
        "category": category.code,
        "active_skus": Sku.objects.filter(status="active").count(),
        "pages_walked": pages,
        "rows_walked_last_round": rows,
        "first_page_p95_ms": round(percentile(first, 95), 2),
        "last_page_p95_ms": round(percentile(deep, 95), 2),
        "html_page_p95_ms": round(percentile(page_times, 95), 2),
        "cold_first_request_ms": {"api": round(cold_api_ms, 1), "html": round(cold_page_ms, 1)},
        "by_sort": per_sort,
        "p50_ms": round(percentile(first + deep, 50), 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(percentile(first + deep, 99), 2),
        "target_p95_ms": 300,
        "within_target": p95 < 300,
    }


def _walk(fn: Any, cursor: str | None) -> tuple[list[float], int, str | None]:
    times, rows = [], 0
    while True:
        start = time.perf_counter()
        lines, nxt = fn(cursor)
        times.append((time.perf_counter() - start) * 1000)
        rows += len(lines)
        if not lines or nxt is None or nxt == cursor:
            return times, rows, nxt or cursor
        cursor = nxt


def _peak_kib(fn: Any, cursor: str | None) -> float:
    import tracemalloc

    tracemalloc.start()
    try:
        _walk(fn, cursor)
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


@benchmark(
    "esl-feed",
    "ESL: a store's full label set, then the incremental feed after a 50,000-SKU price change.",
)
def esl_feed(options: BenchOptions) -> dict[str, Any]:
    from decimal import Decimal

    from . import labels, pricing

    store, assortment = _largest_store()
    n_changes = int(options.extra.get("skus", 2000 if options.quick else 50_000))

    def full(cursor: str | None) -> Any:
        return labels.full_label_set(store, cursor, 500)

    def feed(cursor: str | None) -> Any:
        return pricing.esl_changes(store, cursor, 500)

    full_times, full_rows, _c = _walk(full, None)
    full_peak = _peak_kib(full, None)
    _t, _r, cursor = _walk(feed, None)  # catch up with the feed as a label server would
    ids = list(
        Sku.objects.filter(status="active", product__brand_id=store.brand_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:n_changes]
    )
    rng = random.Random(8)
    start = time.perf_counter()
    written = labels.bulk_set_prices(
        [(i, Decimal(rng.randint(100, 100_000)) / 100) for i in ids], reason="bench: price change"
    )
    change_s = time.perf_counter() - start
    feed_times, feed_rows, _end = _walk(feed, cursor)
    feed_peak = _peak_kib(feed, cursor)
    return {
        "ops": len(full_times) + len(feed_times),
        "store": store.code,
        "assortment": assortment,
        "full_set_labels": full_rows,
        "full_set_pages": len(full_times),
        "full_set_seconds": round(sum(full_times) / 1000, 2),
        "full_set_page_p95_ms": round(percentile(full_times, 95), 2),
        "full_set_peak_mib": round(full_peak / 1024, 1),
        "price_changes": written,
        "price_change_seconds": round(change_s, 2),
        "feed_labels": feed_rows,
        "feed_pages": len(feed_times),
        "feed_seconds": round(sum(feed_times) / 1000, 2),
        "feed_page_p95_ms": round(percentile(feed_times, 95), 2),
        "feed_peak_mib": round(feed_peak / 1024, 1),
        "p50_ms": round(percentile(full_times + feed_times, 50), 2),
        "p95_ms": round(percentile(full_times + feed_times, 95), 2),
        "p99_ms": round(percentile(full_times + feed_times, 99), 2),
    }
