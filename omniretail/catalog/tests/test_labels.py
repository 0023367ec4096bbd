"""Shelf labels at scale: bulk price changes and a store's full label set in bounded pages."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.catalog import labels, pricing
from omniretail.catalog.models import LabelEvent, PriceEntry, Sku
from omniretail.catalog.scale_seed import seed_scale_catalog, seed_scale_stores
from omniretail.catalog.seed import ensure_reference_data
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import AuditLog, OutboxEvent, Store
from omniretail.core.seeding import SeedContext, make_progress
from omniretail.inventory.models import StockLevel
from omniretail.inventory.scale_seed import seed_scale_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(org: dict[str, Any], frozen_now: Any) -> Store:
    ensure_reference_data(org["brand"])
    ctx = SeedContext(
        seed=9,
        scale=1.0,
        rng=random.Random(9),
        progress=make_progress(quiet=True),
        skus=700,
        stores=4,
    )
    ctx.objects["brand"] = org["brand"]
    seed_scale_stores(ctx)
    seed_scale_catalog(ctx)
    seed_scale_stock(ctx)
    return Store.objects.get(code="X0001")


def test_full_label_set_covers_the_assortment_once_when_paged(store):
    carried = set(
        StockLevel.objects.filter(location__store=store, location__kind="store_floor").values_list(
            "sku_id", flat=True
        )
    )
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        with CaptureQueriesContext(connection) as ctx:
            lines, cursor = labels.full_label_set(store, cursor, limit=200)
        assert len(ctx.captured_queries) <= 5  # any page size: no query per label
        seen += [line.sku_id for line in lines]
        pages += 1
        if cursor is None:
            break
    assert pages == 4
    assert len(seen) == len(set(seen)) == len(carried) == 700
    assert set(seen) == carried
    assert all(line.list_price is not None for line in lines)


def test_full_label_set_shows_the_store_price_when_the_store_overrides_it(store):
    override = PriceEntry.objects.filter(store=store, channel="pos").order_by("sku_id").first()
    lines: list[Any] = []
    cursor = None
    while True:
        page, cursor = labels.full_label_set(store, cursor)
        lines += page
        if cursor is None:
            break
    line = next(x for x in lines if x.sku_id == override.sku_id)
    assert line.list_price == override.amount


def test_bulk_price_change_feeds_every_label_once_when_many_skus_change(
    store, frozen_now, monkeypatch
):
    monkeypatch.setattr(labels, "CHUNK", 300)
    ids = list(Sku.objects.order_by("pk").values_list("pk", flat=True))
    cursor = pricing.esl_changes(store, None, 500)[1]
    while True:  # drain what the seed left
        lines, nxt = pricing.esl_changes(store, cursor, 500)
        if not lines:
            break
        cursor = nxt
    frozen_now.shift(60)
    written = labels.bulk_set_prices(
        [(i, Decimal("9.90")) for i in ids], reason="季度调价", store=None
    )
    assert written == len(ids) == 700
    assert OutboxEvent.objects.filter(topic="catalog.prices.changed").count() == 3
    assert AuditLog.objects.filter(action="catalog.price.bulk_set").count() == 3
    changed: list[int] = []
    while True:
        with CaptureQueriesContext(connection) as ctx:
            lines, cursor = pricing.esl_changes(store, cursor, 500)
        if not lines:
            break
        assert len(ctx.captured_queries) <= 5
        changed += [line.sku_id for line in lines]
        assert {line.list_price for line in lines if line.sku_id in ids} <= {
            Decimal("9.90"),
            *PriceEntry.objects.filter(store=store).values_list("amount", flat=True),
        }
    assert sorted(changed) == sorted(ids)


def test_bulk_price_change_writes_nothing_when_one_amount_is_bad(store):
    ids = list(Sku.objects.order_by("pk").values_list("pk", flat=True)[:500])
    before = (PriceEntry.objects.count(), LabelEvent.objects.count())
    changes = [(i, Decimal("5.00")) for i in ids] + [(ids[0], Decimal("-1"))]
    with pytest.raises(ValidationFailed):
        labels.bulk_set_prices(changes)
    with pytest.raises(NotFound):
        labels.bulk_set_prices([(ids[0], Decimal("1.00")), (10**12, Decimal("1.00"))])
    assert (PriceEntry.objects.count(), LabelEvent.objects.count()) == before


def test_label_set_api_answers_404_when_the_store_is_outside_the_scope(
    store, api_as, make_user, org
):
    api = api_as(make_user("store_manager", store="S1"))
    assert api.get(f"catalog/esl/{store.pk}/labels").status_code == 404
    assert api.get(f"catalog/esl/{org['stores']['S1'].pk}/labels").status_code == 200
    admin = api_as(make_user("hq_admin"))
    body = admin.get(f"catalog/esl/{store.pk}/labels?limit=300").json()
    assert len(body["items"]) == 300 and body["cursor"]
    bad = admin.get(f"catalog/esl/{store.pk}/labels?cursor=forged")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
