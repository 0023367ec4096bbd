from __future__ import annotations

import pytest

from omniretail.inventory.models import Reservation
from omniretail.orders.importer import import_marketplace_orders
from omniretail.orders.models import ExternalSku, Order

pytestmark = pytest.mark.django_db


def _rows(ext="TM-1", sku="TM-SKU-A", qty=2):
    return [
        {"external_order_id": ext, "store_code": "S1", "lines": [{"sku": sku, "quantity": qty}]}
    ]


@pytest.fixture
def mapped(make_sku):
    sku = make_sku("A")
    ExternalSku.objects.create(channel="marketplace", external_code="TM-SKU-A", sku=sku)
    return sku


def test_rows_become_reserved_orders_when_skus_map(mapped):
    report = import_marketplace_orders("marketplace", _rows())
    assert (report.created, report.errors) == (1, 0)
    order = Order.objects.get()
    assert (order.channel, order.external_order_id, order.fulfilment_mode) == (
        "marketplace",
        "TM-1",
        "ship",
    )
    assert Reservation.objects.get().channel == "marketplace"


def test_reimport_is_a_no_op_when_external_id_was_seen(mapped):
    import_marketplace_orders("marketplace", _rows())
    report = import_marketplace_orders("marketplace", _rows())
    assert (report.created, report.duplicates) == (0, 1)
    assert Order.objects.count() == Reservation.objects.count() == 1


def test_bad_rows_are_reported_when_others_succeed(mapped):
    rows = [*_rows("TM-1"), *_rows("TM-2", sku="NOPE"), *_rows("TM-3", qty=999)]
    report = import_marketplace_orders("marketplace", rows)
    assert [r.outcome for r in report.rows] == ["created", "error", "error"]
    assert report.rows[1].code == "order_unknown_sku"
    assert report.rows[2].code == "inventory.insufficient_stock"
    assert Order.objects.count() == 1


def test_own_sku_code_maps_when_no_mapping_exists(make_sku):
    make_sku("OWN")
    report = import_marketplace_orders("marketplace", _rows(sku="OWN"))
    assert report.created == 1


def test_store_outside_scope_is_an_error_when_importing(mapped, org):
    report = import_marketplace_orders("marketplace", _rows(), store_ids={org["stores"]["S2"].pk})
    assert report.rows[0].code == "order_unknown_store"


def test_api_import_reports_rows_when_manager_imports(org, mapped, make_user, api_as):
    api = api_as(make_user("hq_admin"))
    body = {"channel": "marketplace", "rows": _rows()}
    first = api.post("orders/import", body)
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 1
    assert api.post("orders/import", body).json()["duplicates"] == 1
