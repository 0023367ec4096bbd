"""Back-office pages: new product + SKU, price scheduling (through to the ESL feed),
lifecycle buttons, export download, and 404 for roles without the permission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from omniretail.catalog import importer, pricing
from omniretail.catalog.models import Barcode, PriceEntry, Product, Sku

pytestmark = pytest.mark.django_db


def _messages(resp: Any) -> list[Any]:
    return list(get_messages(resp.wsgi_request))


def test_sku_is_created_with_price_and_in_house_barcode_when_form_is_valid(
    client: Any, make_user: Any, catalog: dict[str, Any]
) -> None:
    client.force_login(make_user("hq_admin"))
    resp = client.post(
        reverse("catalog:sku_create"),
        {
            "category": catalog["cats"]["SNACK"].pk,
            "name": "原味薯片",
            "name_en": "Potato chips",
            "spec": "70g",
            "uom": "bag",
            "shelf_life_days": "180",
            "list_price": "7.50",
            "barcode": "",
            "save": "1",
        },
    )
    assert resp.status_code == 302
    sku = Sku.objects.get(product__name="原味薯片")
    assert resp["Location"] == reverse("catalog:sku_detail", args=[sku.pk])
    assert sku.status == "draft" and sku.uom == "bag" and sku.shelf_life_days == 180
    barcode = Barcode.objects.get(sku=sku)
    assert barcode.is_primary and len(barcode.code) == 13
    assert pricing.resolve_price(sku.pk).amount == Decimal("7.50")
    assert [m.level_tag for m in _messages(resp)] == ["success"]
    assert client.get(resp["Location"]).status_code == 200


def test_required_attributes_are_saved_when_category_has_an_attribute_set(
    client: Any, make_user: Any, catalog: dict[str, Any]
) -> None:
    client.force_login(make_user("hq_admin"))
    cat = catalog["cats"]["BAIJIU"]
    page = client.get(reverse("catalog:sku_create"), {"category": cat.pk})
    assert b'name="attr_aroma_type"' in page.content
    resp = client.post(
        reverse("catalog:sku_create"),
        {
            "category": cat.pk,
            "name": "青花20",
            "spec": "53%vol 500ml",
            "uom": "bottle",
            "barcode": "6902952880294",
            "attr_abv": "53",
            "attr_volume_ml": "500",
            "attr_aroma_type": "清香",
            "save": "1",
        },
    )
    assert resp.status_code == 302
    sku = Sku.objects.get(product__name="青花20")
    assert sku.attributes["aroma_type"] == "清香"
    assert sku.barcodes.get().code == "6902952880294"


def test_nothing_is_saved_when_barcode_is_invalid(
    client: Any, make_user: Any, catalog: dict[str, Any]
) -> None:
    client.force_login(make_user("hq_admin"))
    products, skus = Product.objects.count(), Sku.objects.count()
    resp = client.post(
        reverse("catalog:sku_create"),
        {
            "category": catalog["cats"]["SNACK"].pk,
            "name": "坏条码饼干",
            "uom": "pack",
            "barcode": "6902952880295",
            "list_price": "5",
            "save": "1",
        },
    )
    assert resp.status_code == 200
    assert [m.level_tag for m in _messages(resp)] == ["error"]
    assert "坏条码饼干" in resp.content.decode()  # the input is kept
    assert (Product.objects.count(), Sku.objects.count()) == (products, skus)
    assert not PriceEntry.objects.filter(sku__product__name="坏条码饼干").exists()


def test_error_is_shown_when_price_is_not_positive(
    client: Any, make_user: Any, moutai: Any
) -> None:
    client.force_login(make_user("marketer"))
    before = PriceEntry.objects.count()
    resp = client.post(
        reverse("catalog:sku_price", args=[moutai.pk]), {"kind": "list", "amount": "0"}
    )
    assert resp.status_code == 302
    assert [m.level_tag for m in _messages(resp)] == ["error"]
    assert PriceEntry.objects.count() == before


def test_scheduled_price_reaches_esl_feed_when_its_time_comes(
    frozen_now: Any, client: Any, make_user: Any, org: dict[str, Any], moutai: Any
) -> None:
    store = org["stores"]["S1"]
    lines, cursor = pricing.esl_changes(store, None)
    assert [line.list_price for line in lines] == [Decimal("2499.00")]
    client.force_login(make_user("marketer"))
    resp = client.post(
        reverse("catalog:sku_price", args=[moutai.pk]),
        {
            "kind": "list",
            "channel": "",
            "store": "",
            "amount": "2399",
            "starts_at": "2026-11-24T00:00",
        },
    )
    assert resp.status_code == 302
    assert [m.level_tag for m in _messages(resp)] == ["success"]
    entry = PriceEntry.objects.filter(sku=moutai).latest("pk")
    assert entry.starts_at == dt.datetime(2026, 11, 23, 16, 0, tzinfo=dt.UTC)  # Beijing midnight
    page = client.get(reverse("catalog:sku_detail", args=[moutai.pk])).content.decode()
    assert "2399" in page and 'class="badge warn"' in page
    assert pricing.esl_changes(store, cursor)[0] == []  # not yet due
    frozen_now.move_to(dt.datetime(2026, 11, 23, 16, 1, tzinfo=dt.UTC))
    lines, _cursor = pricing.esl_changes(store, cursor)
    assert [(line.sku_code, line.list_price) for line in lines] == [("FT500", Decimal("2399.00"))]


def test_sku_moves_through_lifecycle_when_manager_clicks_buttons(
    client: Any, make_user: Any, moutai: Any
) -> None:
    client.force_login(make_user("hq_admin"))
    page = client.get(reverse("catalog:sku_detail", args=[moutai.pk])).content.decode()
    assert 'value="discontinued"' in page and 'value="archived"' not in page
    url = reverse("catalog:sku_status", args=[moutai.pk])
    client.post(url, {"status": "discontinued", "reason": "停产"})
    moutai.refresh_from_db()
    assert moutai.status == "discontinued"
    resp = client.post(url, {"status": "draft"})
    assert [m.level_tag for m in _messages(resp)] == ["success", "error"]  # redirect not followed
    client.post(url, {"status": "archived"})
    moutai.refresh_from_db()
    assert moutai.status == "archived"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_reimports_unchanged_when_downloaded(
    fmt: str, client: Any, make_user: Any, small_catalog: dict[str, Any], tmp_path: Any
) -> None:
    client.force_login(make_user("hq_admin"))
    resp = client.get(reverse("catalog:export"), {"format": fmt})
    assert resp.status_code == 200
    assert resp["Content-Disposition"].endswith(f'.{fmt}"')
    assert resp.streaming  # never the whole export in memory
    content = b"".join(resp.streaming_content)
    report = importer.run_import(
        small_catalog["brand"], f"products.{fmt}", content, dry_run=True
    ).summary()
    assert report["rows"] == Sku.objects.count() > 0
    assert report["error"] == 0 and report["would_create"] == 0
    assert report["would_update"] == report["rows"]
    applied = importer.run_import(small_catalog["brand"], f"products.{fmt}", content)
    assert applied.summary()["unchanged"] == report["rows"]
    if fmt == "csv":  # byte for byte what `omniretail export products` writes
        importer.write_export(small_catalog["brand"], tmp_path / "cli.csv")
        assert (tmp_path / "cli.csv").read_bytes() == content


def test_cashier_gets_404_when_opening_manage_pages(
    client: Any, make_user: Any, moutai: Any
) -> None:
    client.force_login(make_user("cashier", store="S1"))
    assert client.get(reverse("catalog:sku_create")).status_code == 404
    assert client.post(reverse("catalog:sku_create"), {"save": "1"}).status_code == 404
    price = client.post(
        reverse("catalog:sku_price", args=[moutai.pk]), {"kind": "list", "amount": "1"}
    )
    assert price.status_code == 404
    status = client.post(reverse("catalog:sku_status", args=[moutai.pk]), {"status": "archived"})
    assert status.status_code == 404
    moutai.refresh_from_db()
    assert moutai.status == "active"
    page = client.get(reverse("catalog:sku_detail", args=[moutai.pk])).content.decode()
    assert "sku_status" not in page and reverse("catalog:sku_price", args=[moutai.pk]) not in page
