"""Hot queries at scale, checked on a small large-catalog seed: every query the POS scan and the
back-office lists run uses an index on the big tables (EXPLAIN QUERY PLAN on SQLite, EXPLAIN
with ``enable_seqscan = off`` on PostgreSQL after ANALYZE), list pages run a fixed number of
queries whatever their length (no N+1), and bad input gets a bounded, typed answer."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection

from omniretail.accounts.models import RoleAssignment
from omniretail.catalog.models import Barcode, Category, Sku
from omniretail.catalog.scale_seed import seed_scale_catalog, seed_scale_stores
from omniretail.catalog.seed import ensure_reference_data
from omniretail.core.maintenance import refresh_statistics
from omniretail.core.models import Location, Store
from omniretail.core.seeding import SeedContext, make_progress
from omniretail.inventory.scale_seed import seed_scale_stock

pytestmark = pytest.mark.django_db

BIG_TABLES = (
    "catalog_sku",
    "catalog_product",
    "catalog_barcode",
    "catalog_priceentry",
    "catalog_searchtoken",
    "catalog_skuattributevalue",
    "catalog_skutag",
    "inventory_stocklevel",
    "inventory_stockbatch",
    "inventory_movement",
)


@pytest.fixture
def scale(org: dict[str, Any]) -> dict[str, Any]:
    ensure_reference_data(org["brand"])
    ctx = SeedContext(
        seed=3,
        scale=1.0,
        rng=random.Random(3),
        progress=make_progress(quiet=True),
        skus=400,
        stores=5,
    )
    ctx.objects["brand"] = org["brand"]
    seed_scale_stores(ctx)
    seed_scale_catalog(ctx)
    seed_scale_stock(ctx)
    refresh_statistics()
    store = Store.objects.get(code="X0001")
    biggest = (
        Category.objects.filter(products__skus__isnull=False).order_by("-pk").distinct().first()
    )
    return {"store": store, "category": biggest, **org}


def _capture(fn: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        result = fn()
    return result, seen


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(r[-1]) for r in cursor.fetchall())


def _full_scans(queries: list[tuple[str, Any]]) -> list[str]:
    """Every big-table full scan (no index) among the SELECTs run, with its SQL."""
    found = []
    for sql, params in queries:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        plan = _plan(sql, params)
        for table in BIG_TABLES:
            if connection.vendor == "postgresql":
                bad = re.search(rf"Seq Scan on {table}\b", plan)
            else:
                bad = re.search(rf"SCAN {table}\b(?! USING)", plan)
            if bad:
                found.append(f"{table}: {sql[:300]}\n{plan}")
    return found


def _cashier_at(make_user: Any, store: Store) -> Any:
    user = make_user("cashier", store="S1")
    RoleAssignment.objects.create(user=user, role="cashier", brand=store.brand, store=store)
    return user


def test_pos_scan_uses_indexes_only_when_the_catalog_is_large(scale, make_user, api_as):
    store = scale["store"]
    api = api_as(_cashier_at(make_user, store))
    floor = Location.objects.get(store=store, kind="store_floor")
    codes = list(
        Barcode.objects.filter(sku__stock_levels__location=floor)
        .order_by("pk")
        .values_list("code", flat=True)[:3]
    )
    api.get(f"pos/scan?store_id={store.pk}&barcode={codes[0]}")  # warm caches
    for code in codes:
        response, queries = _capture(
            lambda code=code: api.get(f"pos/scan?store_id={store.pk}&barcode={code}")
        )
        assert response.status_code == 200, response.content
        assert response.json()["available"] > 0
        assert _full_scans(queries) == []


def test_pack_barcode_scans_as_its_pack_when_seeded_at_scale(scale, make_user, api_as):
    store = scale["store"]
    api = api_as(_cashier_at(make_user, store))
    floor = Location.objects.get(store=store, kind="store_floor")
    pack = Barcode.objects.filter(sku__stock_levels__location=floor, is_primary=False).first()
    body = api.get(f"pos/scan?store_id={store.pk}&barcode={pack.code}").json()
    assert body["quantity"] == pack.pack_quantity in (6, 12)


def test_catalog_list_walks_an_index_when_filtered_and_sorted(scale, make_user, api_as):
    api = api_as(make_user("hq_admin"))
    for sort in ["code", "name", "-updated", "-code", "id"]:
        url = f"catalog/skus?status=active&category_id={scale['category'].pk}&sort={sort}&limit=20"
        first, queries = _capture(lambda url=url: api.get(url))
        assert first.status_code == 200, first.content
        assert len(first.json()["items"]) == 20
        assert _full_scans(queries) == [], sort
        cursor = first.json()["next_cursor"]
        nxt, queries = _capture(lambda url=url, cursor=cursor: api.get(f"{url}&cursor={cursor}"))
        assert nxt.status_code == 200
        assert _full_scans(queries) == [], sort
        ids = [i["id"] for i in first.json()["items"]] + [i["id"] for i in nxt.json()["items"]]
        assert len(ids) == len(set(ids)) == 40


def test_catalog_api_list_runs_the_same_queries_when_the_page_is_longer(scale, make_user, api_as):
    api = api_as(make_user("hq_admin"))
    base = f"catalog/skus?status=active&category_id={scale['category'].pk}&sort=code"
    api.get(f"{base}&limit=1")  # warm: scope, the brand's product total (kept a few minutes)
    _r, short = _capture(lambda: api.get(f"{base}&limit=2"))
    _r, long = _capture(lambda: api.get(f"{base}&limit=50"))
    assert len(short) == len(long)


def test_product_list_page_has_no_query_per_row_when_showing_fifty(scale, make_user, client):
    client.force_login(make_user("hq_admin"))
    client.get("/catalog/")
    response, queries = _capture(
        lambda: client.get(
            "/catalog/", {"status": "active", "category": scale["category"].pk, "sort": "name"}
        )
    )
    assert response.status_code == 200
    assert len(response.context["skus"]) == 50
    assert len(queries) <= 15, [q[0][:120] for q in queries]
    assert _full_scans(queries) == []


def test_stock_overview_page_has_no_query_per_row_when_showing_a_store(scale, make_user, client):
    floor = Location.objects.get(store=scale["store"], kind="store_floor")
    client.force_login(make_user("hq_admin"))
    client.get("/inventory/")
    response, queries = _capture(lambda: client.get("/inventory/", {"location": floor.pk}))
    assert response.status_code == 200
    assert len(response.context["levels"]) == 100
    assert len(queries) <= 15, [q[0][:120] for q in queries]
    assert _full_scans(queries) == []
    page2 = client.get(
        "/inventory/", {"location": floor.pk, "cursor": response.context["next_cursor"]}
    )
    first_ids = {lv.pk for lv in response.context["levels"]}
    assert first_ids.isdisjoint({lv.pk for lv in page2.context["levels"]})


def test_stock_api_list_walks_the_store_slice_of_the_index_when_filtered(scale, make_user, api_as):
    floor = Location.objects.get(store=scale["store"], kind="store_floor")
    api = api_as(make_user("hq_admin"))
    api.get("inventory/stock?limit=1")
    _r, short = _capture(lambda: api.get(f"inventory/stock?location_id={floor.pk}&limit=2"))
    response, long = _capture(lambda: api.get(f"inventory/stock?location_id={floor.pk}&limit=50"))
    assert response.status_code == 200 and len(response.json()["items"]) == 50
    assert len(short) == len(long)
    assert _full_scans(long) == []


# --- bad input ------------------------------------------------------------------------------


def test_tampered_cursor_gets_400_when_listing_skus(scale, make_user, api_as):
    api = api_as(make_user("hq_admin"))
    page = api.get("catalog/skus?sort=code&limit=5").json()
    tampered = page["next_cursor"][:-3] + "abc"
    response = api.get(f"catalog/skus?sort=code&limit=5&cursor={tampered}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_cursor_of_another_sort_gets_400_when_reused(scale, make_user, api_as):
    api = api_as(make_user("hq_admin"))
    cursor = api.get("catalog/skus?sort=code&limit=5").json()["next_cursor"]
    response = api.get(f"catalog/skus?sort=name&limit=5&cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_stale_cursor_still_pages_when_rows_were_archived_meanwhile(scale, make_user, api_as):
    api = api_as(make_user("hq_admin"))
    url = f"catalog/skus?status=active&category_id={scale['category'].pk}&sort=code&limit=5"
    first = api.get(url).json()
    last_seen = first["items"][-1]["id"]
    Sku.objects.filter(pk=last_seen).update(status="archived")
    response = api.get(f"{url}&cursor={first['next_cursor']}")
    assert response.status_code == 200
    page = response.json()["items"]
    assert len(page) == 5
    assert all(i["code"] > first["items"][-1]["code"] for i in page)
    assert last_seen not in {i["id"] for i in page}


def test_unknown_sort_gets_422_when_listing_skus(scale, make_user, api_as):
    response = api_as(make_user("hq_admin")).get("catalog/skus?sort=price;drop")
    assert response.status_code == 422
    assert response.json()["code"] == "catalog.invalid_sort"


@pytest.mark.parametrize("q", ["", "   ", "茅" * 5000, "a " * 3000, "%_%_" * 500])
def test_empty_or_huge_search_gets_a_bounded_page_when_listing_skus(scale, make_user, api_as, q):
    api = api_as(make_user("hq_admin"))
    query = urlencode({"q": q, "limit": 500})
    response, queries = _capture(lambda: api.get(f"catalog/skus?{query}"))
    assert response.status_code == 200
    assert len(response.json()["items"]) <= 200
    assert len(queries) <= 40


def test_tampered_cursor_shows_an_error_when_paging_the_stock_overview(scale, make_user, client):
    client.force_login(make_user("hq_admin"))
    response = client.get("/inventory/", {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert response.context["error"]
    assert list(response.context["levels"]) == []


def test_valuation_is_asked_for_a_location_when_the_scope_is_large(
    scale, make_user, client, monkeypatch
):
    from omniretail.inventory import views

    client.force_login(make_user("hq_admin"))
    assert Location.objects.count() > 10
    monkeypatch.setattr(views, "VALUATION_MAX", 10)
    response = client.get("/inventory/")
    floor = Location.objects.get(store=scale["store"], kind="store_floor")
    one = client.get("/inventory/", {"location": floor.pk})
    assert response.context["valuation"] is None
    assert [v["id"] for v in one.context["valuation"]] == [floor.pk]


# sqlite_stat1 of the 300,000-SKU seed (151,035 products in 11 categories of one brand).
LARGE_SQLITE_STAT1 = [
    ("catalog_sku", "sku_status_updated_idx", "300070 150035 150 1"),
    ("catalog_sku", "sku_status_name_idx", "300070 150035 7 1"),
    ("catalog_sku", "sku_status_code_idx", "300070 150035 1"),
    ("catalog_sku", "sku_status_product_idx", "300070 150035 2"),
    ("catalog_sku", "catalog_sku_product_id_6332277c", "300070 2"),
    ("catalog_sku", "sqlite_autoindex_catalog_sku_1", "300070 1"),
    ("catalog_product", "catalog_product_product_brand_id_d8ac5ced", "151035 6567"),
    ("catalog_product", "catalog_product_category_id_35bf920b", "151035 13731"),
    ("catalog_product", "catalog_product_brand_id_bb0c7890", "151035 151035"),
    ("catalog_product", "sqlite_autoindex_catalog_product_1", "151035 1"),
]


def _large_catalog_statistics() -> None:
    """Give the planner the large seed's statistics (SQLite; ANALYZE is enough on PostgreSQL,
    whose plans the seqscan-off check covers)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl IN ('catalog_sku', 'catalog_product')")
        for table, index, stat in LARGE_SQLITE_STAT1:
            cursor.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)",
                [table, index, stat],
            )
        cursor.execute("ANALYZE sqlite_schema")


def _walk_ids(api: Any, url: str, pages: int) -> list[int]:
    ids, cursor = [], None
    for _page in range(pages):
        body = api.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        ids += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    return ids


@pytest.mark.parametrize("sort", ["code", "name", "-updated", "id"])
def test_large_category_walks_the_sort_index_with_the_same_rows_when_it_holds_a_big_share(
    scale, make_user, api_as, monkeypatch, sort
):
    from omniretail.catalog import selectors

    api = api_as(make_user("hq_admin"))
    url = f"catalog/skus?status=active&category_id={scale['category'].pk}&sort={sort}&limit=15"
    monkeypatch.setattr(selectors, "LARGE_SHARE_MIN_PRODUCTS", 10**9)
    through_category_index = _walk_ids(api, url, 3)
    monkeypatch.setattr(selectors, "LARGE_SHARE_MIN_PRODUCTS", 0)
    monkeypatch.setattr(selectors, "LARGE_SHARE", 0.0)
    through_sort_index = _walk_ids(api, url, 3)
    assert through_sort_index == through_category_index and len(set(through_sort_index)) == 45

    if connection.vendor != "sqlite":
        return  # PostgreSQL keeps the join (next test)
    # The plan the full-size catalog gets: the planner sees the statistics of the large seed.
    _large_catalog_statistics()
    _page, queries = _capture(lambda: api.get(url))
    page_sql = [(s, p) for s, p in queries if 'FROM "catalog_sku"' in s and "LIMIT" in s]
    plan = _plan(*page_sql[-1])
    walk = "SCAN catalog_sku" if sort == "id" else "USING INDEX sku_status_"
    assert walk in plan and "TEMP B-TREE FOR ORDER BY" not in plan, (plan, page_sql[-1])
    assert "SCAN catalog_product" not in plan and "USING INTEGER PRIMARY KEY" in plan, plan


def test_small_category_is_read_through_the_category_index_when_it_holds_a_small_share(
    scale, make_user, api_as, monkeypatch
):
    from omniretail.catalog import selectors

    monkeypatch.setattr(selectors, "LARGE_SHARE_MIN_PRODUCTS", 0)
    monkeypatch.setattr(selectors, "LARGE_SHARE", 1.01)
    api = api_as(make_user("hq_admin"))
    url = f"catalog/skus?status=active&category_id={scale['category'].pk}&sort=name&limit=10"
    response, queries = _capture(lambda: api.get(url))
    assert response.status_code == 200 and len(response.json()["items"]) == 10
    assert _full_scans(queries) == []
    page_sql = [s for s, _p in queries if 'FROM "catalog_sku"' in s and "LIMIT" in s]
    assert '"catalog_product"."category_id" IN' in page_sql[-1]


def test_postgresql_keeps_the_join_when_a_category_holds_a_big_share(
    scale, make_user, api_as, monkeypatch
):
    from omniretail.catalog import selectors

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner choice")
    monkeypatch.setattr(selectors, "LARGE_SHARE_MIN_PRODUCTS", 0)
    monkeypatch.setattr(selectors, "LARGE_SHARE", 0.0)
    api = api_as(make_user("hq_admin"))
    url = f"catalog/skus?status=active&category_id={scale['category'].pk}&sort=name&limit=10"
    response, queries = _capture(lambda: api.get(url))
    assert response.status_code == 200 and len(response.json()["items"]) == 10
    page_sql = [s for s, _p in queries if 'FROM "catalog_sku"' in s and "LIMIT" in s]
    assert '"catalog_product"."category_id" IN' in page_sql[-1]
    assert _full_scans(queries) == []
