from __future__ import annotations

import io

import pytest
from PIL import Image

from omniretail.accounts.models import RoleAssignment
from omniretail.catalog.models import PriceEntry, ProductMedia, Sku
from omniretail.catalog.search import search_sku_ids

pytestmark = pytest.mark.django_db


def test_store_scoped_pricer_gets_404_when_setting_price_for_another_store(
    api_as, make_user, org, moutai
) -> None:
    user = make_user("cashier", store="S1")
    RoleAssignment.objects.create(
        user=user, role="marketer", brand=org["brand"], store=org["stores"]["S1"]
    )
    api = api_as(user)
    ok = api.post(
        f"catalog/skus/{moutai.pk}/prices",
        {"kind": "list", "amount": "2399.00", "store_id": org["stores"]["S1"].pk},
    )
    other = api.post(
        f"catalog/skus/{moutai.pk}/prices",
        {"kind": "list", "amount": "1.00", "store_id": org["stores"]["S2"].pk},
    )
    assert ok.status_code == 201, ok.json()
    assert other.status_code == 404
    assert not PriceEntry.objects.filter(store=org["stores"]["S2"]).exists()


def test_store_manager_gets_403_when_setting_prices_without_price_permission(
    api_as, make_user, moutai, org
) -> None:
    api = api_as(make_user("store_manager", store="S1"))
    r = api.post(
        f"catalog/skus/{moutai.pk}/prices",
        {"kind": "list", "amount": "1.00", "store_id": org["stores"]["S1"].pk},
    )
    assert r.status_code == 403


def test_negative_price_is_refused_with_code_when_posted(api_as, make_user, moutai) -> None:
    r = api_as(make_user("hq_admin")).post(
        f"catalog/skus/{moutai.pk}/prices", {"kind": "list", "amount": "-5.00"}
    )
    assert r.status_code == 422 and r.json()["code"] == "catalog.negative_price"


def test_invalid_barcode_is_refused_and_nothing_saved_when_creating_sku(
    api_as, make_user, moutai
) -> None:
    api = api_as(make_user("hq_admin"))
    r = api.post(
        "catalog/skus",
        {
            "product_id": moutai.product_id,
            "attributes": {"abv": 53, "volume_ml": 500, "aroma_type": "酱香"},
            "barcodes": [{"code": "6902952880295"}],
        },
    )
    assert r.status_code == 422 and r.json()["code"] == "catalog.invalid_barcode"
    assert Sku.objects.count() == 1


def test_category_cycle_is_refused_with_code_when_moved_under_child(
    api_as, make_user, catalog
) -> None:
    cats = catalog["cats"]
    r = api_as(make_user("hq_admin")).post(
        f"catalog/categories/{cats['LIQ'].pk}/move", {"parent_id": cats["BEER"].pk}
    )
    assert r.status_code == 422 and r.json()["code"] == "catalog.category_cycle"


def test_sku_list_filters_by_attribute_and_search_when_queried(
    api_as, make_user, moutai, small_catalog
) -> None:
    api = api_as(make_user("cashier", store="S2"))
    r = api.get("catalog/skus?q=mt&attr=abv=53,volume_ml=400..600")
    assert r.status_code == 200
    codes = [s["code"] for s in r.json()["items"]]
    assert "FT500" in codes
    assert all(s["attributes"]["abv"] == "53" for s in r.json()["items"])


def test_sku_list_pages_with_cursor_when_more_rows_than_limit(
    api_as, make_user, small_catalog
) -> None:
    api = api_as(make_user("hq_admin"))
    first = api.get("catalog/skus?limit=15").json()
    second = api.get(f"catalog/skus?limit=15&cursor={first['next_cursor']}").json()
    ids = [s["id"] for s in first["items"] + second["items"]]
    assert len(ids) == 30 and len(set(ids)) == 30


def test_scan_returns_sku_when_pack_barcode_scanned(api_as, make_user, moutai) -> None:
    r = api_as(make_user("cashier")).get("catalog/barcodes/6902952880300")
    assert r.status_code == 200 and r.json()["code"] == "FT500"


def test_esl_feed_returns_store_price_and_404_when_store_outside_scope(
    api_as, make_user, moutai, org
) -> None:
    api = api_as(make_user("store_manager", store="S1"))
    r = api.get(f"catalog/esl/{org['stores']['S1'].pk}/changes")
    assert r.status_code == 200
    assert r.json()["items"][0]["list_price"] == "2499.00"
    again = api.get(f"catalog/esl/{org['stores']['S1'].pk}/changes?cursor={r.json()['cursor']}")
    assert again.json()["items"] == []
    assert api.get(f"catalog/esl/{org['stores']['S2'].pk}/changes").status_code == 404


def test_sellable_endpoint_reports_online_tobacco_ban_when_asked(
    api_as, make_user, small_catalog
) -> None:
    cig = Sku.objects.filter(product__category__code="CIG", status="active").first()
    r = api_as(make_user("cashier")).get(f"catalog/skus/{cig.pk}/sellable?channel=online")
    assert (
        r.status_code == 200
        and r.json()["sellable"] is False
        and r.json()["display_allowed"] is True
    )


def _png(size: tuple[int, int] = (800, 600)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_image_upload_stores_file_and_thumbnail_when_png(
    client, make_user, moutai, settings, tmp_path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from omniretail.accounts.services import issue_token

    settings.MEDIA_ROOT = tmp_path
    _t, raw = issue_token(make_user("hq_admin"), name="t")
    r = client.post(
        f"/api/v1/catalog/skus/{moutai.pk}/media",
        {"file": SimpleUploadedFile("a.png", _png(), "image/png")},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert r.status_code == 201, r.json()
    media = ProductMedia.objects.get()
    assert media.width == 800 and media.thumbnail.name.endswith(".jpg")


def test_upload_refused_with_code_when_not_an_image(
    client, make_user, moutai, settings, tmp_path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from omniretail.accounts.services import issue_token

    settings.MEDIA_ROOT = tmp_path
    _t, raw = issue_token(make_user("hq_admin"), name="t")
    r = client.post(
        f"/api/v1/catalog/skus/{moutai.pk}/media",
        {"file": SimpleUploadedFile("a.png", b"<?php evil", "image/png")},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert r.status_code == 422 and r.json()["code"] == "catalog.media_type_not_allowed"
    assert not ProductMedia.objects.exists()


def test_product_list_page_renders_and_finds_by_pinyin_when_logged_in(
    client, make_user, moutai
) -> None:
    client.force_login(make_user("cashier"))
    r = client.get("/catalog/?q=mt")
    assert r.status_code == 200 and "FT500" in r.content.decode()
    assert client.get(f"/catalog/skus/{moutai.pk}/").status_code == 200
    assert moutai.pk in search_sku_ids("mt")
