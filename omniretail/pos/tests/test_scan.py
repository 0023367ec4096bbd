"""The scan: barcode → priced line with promotions and availability, in few queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.core.errors import NotFound
from omniretail.pos import selectors


@pytest.fixture
def promoted(org, make_sku, frozen_now):
    from omniretail.catalog.models import Barcode
    from omniretail.promotions import services as promotions

    sku = make_sku("BEER", price="6.00", stock={"S1": 24})
    Barcode.objects.create(sku=sku, code="16900000000011", kind="pack", pack_quantity=6)
    promotions.create_promotion(
        org["brand"],
        code="BEER10",
        name="啤酒九折",
        kind="percent_off",
        params={"percent": "10"},
        scope={"sku_ids": [sku.pk]},
        status="active",
        starts_at=frozen_now_start(),
    )
    return sku


def frozen_now_start():
    import datetime as dt

    return dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def test_pack_barcode_scans_pack_quantity_with_promotion_and_stock(org, promoted):
    line = selectors.scan(org["stores"]["S1"], "16900000000011")

    assert line.quantity == 6 and line.available == 24
    assert (line.list_amount, line.discount, line.net) == (
        Decimal("36.00"),
        Decimal("3.60"),
        Decimal("32.40"),
    )
    assert line.promotions and line.promotions[0]["amount"] == "3.60"


def test_scan_takes_at_most_three_queries_cold_and_two_warm(
    org, promoted, django_assert_max_num_queries
):
    store = org["stores"]["S1"]
    code = promoted.barcodes.get(kind="internal").code
    selectors.clear_scan_cache()
    with django_assert_max_num_queries(3):
        cold = selectors.scan(store, code)
    with CaptureQueriesContext(connection) as warm:
        selectors.scan(store, code)

    assert cold.promotions and len(warm.captured_queries) == 2


def test_scan_through_the_api_runs_two_queries_when_token_and_store_are_cached(
    org, promoted, make_user, api_as
):
    store = org["stores"]["S1"]
    api = api_as(make_user("cashier", store="S1"))
    url = f"pos/scan?store_id={store.pk}&barcode=16900000000011"
    assert api.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        body = api.get(url).json()
    assert body["quantity"] == 6 and body["net"] == "32.40"
    assert len(ctx.captured_queries) == 2, [q["sql"][:80] for q in ctx.captured_queries]


@pytest.mark.parametrize(
    ("store_price", "pos_price", "expected"),
    [
        (None, None, "6.00"),
        (None, "5.50", "5.50"),
        ("5.00", None, "5.00"),
        ("5.00", "4.80", "4.80"),
    ],
)
def test_scan_shows_the_price_resolve_price_picks_when_store_and_channel_rows_exist(
    org, promoted, store_price, pos_price, expected
):
    from omniretail.catalog import pricing

    store = org["stores"]["S1"]
    if pos_price:
        pricing.set_price(promoted, kind="list", amount=Decimal(pos_price), channel="pos")
    if store_price:
        pricing.set_price(promoted, kind="list", amount=Decimal(store_price), store=store)
    if store_price and pos_price:
        pricing.set_price(
            promoted, kind="list", amount=Decimal(pos_price), store=store, channel="pos"
        )
    line = selectors.scan(store, promoted.barcodes.get(kind="internal").code)
    resolved = pricing.resolve_price(promoted.pk, store_id=store.pk, channel="pos")
    assert line.unit_price == resolved.amount == Decimal(expected)


def test_scan_of_an_unpriced_sku_is_not_sellable_when_no_price_is_in_force(
    org, make_sku, frozen_now
):
    from omniretail.catalog.models import PriceEntry

    sku = make_sku("WATER", price="2.00", stock={"S1": 5})
    PriceEntry.objects.filter(sku=sku).delete()
    line = selectors.scan(org["stores"]["S1"], sku.barcodes.get(kind="internal").code)
    assert not line.sellable and line.net == Decimal("0.00") and line.available == 5


def test_unknown_barcode_is_not_found(org, frozen_now):
    with pytest.raises(NotFound):
        selectors.scan(org["stores"]["S1"], "0000")
