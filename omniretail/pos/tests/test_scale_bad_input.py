"""Search-as-you-type at the till (issue #12): the store's assortment first, every request
bounded — empty and huge terms, pages, other stores' tills."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.catalog.models import Product, Sku
from omniretail.catalog.search import reindex_skus
from omniretail.pos import search, services

pytestmark = pytest.mark.django_db


def _named(sku: Any, name: str) -> Any:
    Product.objects.filter(pk=sku.product_id).update(name=name)
    Sku.objects.filter(pk=sku.pk).update(name=f"{name} 500ml")
    reindex_skus([sku.pk])
    sku.refresh_from_db()
    return sku


@pytest.fixture
def till(client, org, make_user, make_sku, register, frozen_now):
    cashier = make_user("cashier", store="S1")
    shift = services.open_shift(register=register, cashier_id=cashier.pk, opening_float="100")
    here = _named(make_sku("MT-S1", price="1499", stock={"S1": 6}), "贵州茅台飞天")
    elsewhere = _named(make_sku("MT-S2", price="1299", stock={"S2": 3}), "贵州茅台王子")
    other = _named(make_sku("FJ-S1", price="89", stock={"S1": 9}), "汾酒青花")
    client.force_login(cashier)
    return {
        "client": client,
        "shift": shift,
        "url": f"/pos/shift/{shift.pk}/search/",
        "here": here,
        "elsewhere": elsewhere,
        "other": other,
        "org": org,
    }


def _token_reads(ctx: CaptureQueriesContext) -> int:
    return sum("catalog_searchtoken" in q["sql"] for q in ctx.captured_queries)


def test_search_finds_only_the_store_assortment_when_typing(till):
    response = till["client"].get(till["url"], {"term": "茅台"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "MT-S1" in html and "1499" in html
    assert "MT-S2" not in html  # carried by S2 only
    assert "FJ-S1" not in html


def test_search_by_pinyin_initials_and_code_prefix_when_typing(till):
    by_initials = till["client"].get(till["url"], {"term": "gzmt"}).content.decode()
    by_code = till["client"].get(till["url"], {"term": "fj-s"}).content.decode()

    assert "MT-S1" in by_initials and "FJ-S1" not in by_initials
    assert "FJ-S1" in by_code and "MT-S1" not in by_code


def test_search_all_products_lists_the_store_assortment_first_when_asked(till):
    page = search.search_till(till["org"]["stores"]["S1"], "茅台", everywhere=True)

    assert [h.sku_id for h in page.hits] == [till["here"].pk, till["elsewhere"].pk]
    assert [h.carried for h in page.hits] == [True, False]
    assert page.hits[0].available == 6 and page.hits[1].available == 0
    html = till["client"].get(till["url"], {"term": "茅台", "all": "1"}).content.decode()
    assert html.index("MT-S1") < html.index("MT-S2")


def test_search_result_adds_the_item_to_the_cart_through_the_scan(till):
    hit = search.search_till(till["org"]["stores"]["S1"], "汾酒").hits[0]
    shift = till["shift"]

    response = till["client"].post(f"/pos/shift/{shift.pk}/scan/", {"barcode": hit.barcode})

    assert response.status_code == 200
    assert "FJ-S1" in response.content.decode()
    assert hit.barcode == till["other"].barcodes.get().code


def test_search_with_empty_term_answers_empty_without_reading_the_index_when_blank(till):
    for term in ("", "   ", "\t"):
        with CaptureQueriesContext(connection) as ctx:
            response = till["client"].get(till["url"], {"term": term})
        assert response.status_code == 200
        assert "pos-hit" not in response.content.decode()
        assert _token_reads(ctx) == 0


def test_search_refuses_a_huge_term_with_422_before_any_index_read_when_too_long(till):
    with CaptureQueriesContext(connection) as ctx:
        response = till["client"].get(till["url"], {"term": "茅" * 10_000})

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert _token_reads(ctx) == 0
    with pytest.raises(search.ValidationFailed):
        search.search_till(till["org"]["stores"]["S1"], "a" * (search.MAX_QUERY + 1))


def test_search_asks_the_index_each_piece_once_when_the_term_repeats(till):
    assert search.searchable_text("茅a茅a茅a茅a茅a茅a茅a茅a") == "茅 a"
    assert search.searchable_text("贵州茅台 飞天 53%vol") == "贵州茅台 飞天 53%vol"
    many = " ".join(f"w{n}" for n in range(20))
    assert len(search.query_terms(search.searchable_text(many))) <= search.MAX_TERMS
    with CaptureQueriesContext(connection) as ctx:
        till["client"].get(till["url"], {"term": "茅a茅a茅a茅a茅a茅a茅a茅a茅a茅a"})
    assert _token_reads(ctx) <= 2 * search.MAX_TERMS + 2


def test_search_answers_empty_with_one_probe_when_nothing_starts_with_the_term(till):
    with CaptureQueriesContext(connection) as ctx:
        page = search.search_till(till["org"]["stores"]["S1"], "xyzzy", everywhere=True)

    assert page.hits == []
    assert _token_reads(ctx) == 1


def test_search_page_is_bounded_when_many_items_match(till, make_sku):
    for n in range(search.PAGE_SIZE + 5):
        _named(make_sku(f"MAO{n:02d}", stock={"S1": 1}), "茅台迎宾")

    page = search.search_till(till["org"]["stores"]["S1"], "迎宾")
    html = till["client"].get(till["url"], {"term": "迎宾"}).content.decode()

    assert len(page.hits) == search.PAGE_SIZE
    assert html.count('class="pos-hit"') == search.PAGE_SIZE


def test_search_on_another_stores_till_is_404_when_out_of_scope(till, make_user, client):
    client.force_login(make_user("cashier", store="S2", username="s2-cashier"))

    response = client.get(till["url"], {"term": "茅台"})

    assert response.status_code == 404


def test_terminal_offers_the_search_box_and_loads_no_catalog_when_opened(till, make_sku):
    for n in range(30):
        make_sku(f"BULK{n:02d}", stock={"S1": 1})

    response = till["client"].get(f"/pos/shift/{till['shift'].pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="pos-search"' in html and 'id="pos-barcode"' in html
    assert "BULK" not in html and "MT-S1" not in html
    assert "echarts" not in html.lower()


@pytest.mark.parametrize("selective", [0, 1000])
def test_search_gives_the_same_page_when_driven_by_the_term_or_by_the_assortment(
    till, make_sku, monkeypatch, selective
):
    """``SELECTIVE = 0`` makes every term "common", so the store's stock rows drive the search;
    the default lets a rare term's index rows drive it. Both answer the same page."""
    for n in range(4):
        _named(make_sku(f"QH{n}", stock={"S1": 1} if n % 2 else {"S2": 1}), "汾酒青花瓷")
    monkeypatch.setattr(search, "SELECTIVE", selective)

    with CaptureQueriesContext(connection) as ctx:
        page = search.search_till(till["org"]["stores"]["S1"], "fj 青花")

    assert [h.code for h in page.hits] == ["FJ-S1", "QH1", "QH3"]
    assert all(h.carried for h in page.hits)
    assert len(ctx.captured_queries) <= 12
