"""The large-catalog seed at a small size: the rows a 300,000-SKU seed writes, checked here on
a few hundred (the registered invariants run after the test as after every database test)."""

from __future__ import annotations

import random

import pytest
from django.db.models import Count

from omniretail.catalog.models import Barcode, PriceEntry, SearchToken, Sku, SkuAttributeValue
from omniretail.catalog.scale_seed import seed_scale_catalog, seed_scale_stores
from omniretail.catalog.search import search_sku_ids
from omniretail.catalog.seed import ensure_reference_data
from omniretail.core.models import Location, Store
from omniretail.core.seeding import SeedContext, make_progress
from omniretail.inventory.models import Movement, StockBatch, StockLevel
from omniretail.inventory.scale_seed import seed_scale_stock

pytestmark = pytest.mark.django_db


def _run(org, skus: int, stores: int, seed: int = 7) -> SeedContext:
    ensure_reference_data(org["brand"])
    ctx = SeedContext(
        seed=seed,
        scale=1.0,
        rng=random.Random(seed),
        progress=make_progress(quiet=True),
        skus=skus,
        stores=stores,
    )
    ctx.objects["brand"] = org["brand"]
    seed_scale_stores(ctx)
    seed_scale_catalog(ctx)
    seed_scale_stock(ctx)
    return ctx


def test_scale_seed_tops_up_to_the_target_skus_and_stores_when_run_on_a_small_chain(org):
    ctx = _run(org, skus=900, stores=8)
    assert Sku.objects.filter(status="active").count() == 900
    assert Store.objects.count() == 8
    # every new store has its floor and back room
    new = Store.objects.filter(code__startswith="X")
    assert Location.objects.filter(store__in=new).count() == 2 * new.count() == 10
    assert ctx.truth["scale"]["skus_added"] == 900


def test_every_sku_scans_and_every_third_has_a_pack_barcode_when_seeded(org):
    _run(org, skus=600, stores=4)
    per_sku = Sku.objects.annotate(n=Count("barcodes")).values_list("n", flat=True)
    assert set(per_sku) == {1, 2}
    packs = Barcode.objects.filter(is_primary=False)
    assert packs.count() == 200
    assert set(packs.values_list("pack_quantity", flat=True)) <= {6, 12}
    assert Barcode.objects.values("code").distinct().count() == Barcode.objects.count()


def test_skus_carry_attributes_prices_and_search_tokens_when_seeded(org):
    _run(org, skus=300, stores=4)
    assert SkuAttributeValue.objects.count() > 0
    base = PriceEntry.objects.filter(kind="list", channel="", store__isnull=True)
    assert base.values("sku_id").distinct().count() == 300
    assert PriceEntry.objects.filter(kind="member").exists()
    assert PriceEntry.objects.filter(channel="online").exists()
    assert PriceEntry.objects.filter(store__isnull=False, channel="pos").exists()
    sku = Sku.objects.order_by("pk").first()
    barcode = sku.barcodes.get(is_primary=True).code
    assert search_sku_ids(barcode) == [sku.pk]
    assert sku.pk in search_sku_ids(sku.code.lower())
    assert SearchToken.objects.filter(sku=sku).count() > 10


def test_store_assortments_are_stocked_through_the_ledger_when_seeded(org):
    _run(org, skus=2500, stores=5)
    floors = Location.objects.filter(store__code__startswith="X", kind="store_floor")
    sizes = [StockLevel.objects.filter(location=f).count() for f in floors]
    # assortments are 3,000–15,000 SKUs, clamped to the catalog's 2,500 here
    assert sizes and all(s == 2500 for s in sizes)
    assert Movement.objects.filter(reference="OPENING-SCALE").count() == sum(sizes)
    assert StockBatch.objects.filter(location__in=floors).count() == sum(sizes)


def test_assortments_differ_between_stores_when_the_catalog_is_larger(org):
    from omniretail.inventory.scale_seed import store_assortment

    rng = random.Random(3)
    catalog = range(1, 300_001)
    a = store_assortment(catalog, "convenience", rng)
    b = store_assortment(catalog, "flagship", rng)
    size_a, size_b = sum(len(r) for r in a), sum(len(r) for r in b)
    assert 3000 <= size_a <= 5000 and size_b == 15_000
    assert a[0] == b[0] == catalog[:2000]  # the core range
    assert a[1] != b[1]
    assert set(a[0]).isdisjoint(a[1])


def test_same_seed_gives_the_same_assortments_when_run_twice():
    from omniretail.inventory.scale_seed import store_assortment

    catalog = range(1, 300_001)
    runs = []
    for _ in range(2):
        rng = random.Random(42)
        runs.append([store_assortment(catalog, "tobacco_liquor", rng) for _store in range(20)])
    assert runs[0] == runs[1]


def test_opening_stock_varies_and_the_ledger_matches_every_level_when_seeded(org):
    _run(org, skus=2500, stores=5)
    levels = StockLevel.objects.filter(location__store__code__startswith="X")
    quantities = set(levels.values_list("on_hand", flat=True))
    assert min(quantities) >= 1 and max(quantities) <= 48 and len(quantities) > 40
    receipts = {
        (m.sku_id, m.location_id): m
        for m in Movement.objects.filter(reference="OPENING-SCALE", kind="receipt")
    }
    batches = {
        (b.sku_id, b.location_id): b.on_hand
        for b in StockBatch.objects.filter(location__store__code__startswith="X")
    }
    for level in levels:
        receipt = receipts[(level.sku_id, level.location_id)]
        assert receipt.quantity == level.on_hand == batches[(level.sku_id, level.location_id)]
        assert receipt.value_fen == level.value_fen == receipt.quantity * receipt.unit_cost_fen
