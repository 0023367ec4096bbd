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


def test_scan_takes_at_most_four_queries_cold_or_warm(org, promoted, django_assert_max_num_queries):
    store = org["stores"]["S1"]
    code = promoted.barcodes.get(kind="internal").code
    with django_assert_max_num_queries(4):
        cold = selectors.scan(store, code)
    with CaptureQueriesContext(connection) as warm:
        selectors.scan(store, code)

    assert cold.promotions and len(warm.captured_queries) <= 3


def test_unknown_barcode_is_not_found(org, frozen_now):
    with pytest.raises(NotFound):
        selectors.scan(org["stores"]["S1"], "0000")
