"""Search-as-you-type at the till in headless Chromium: type pinyin initials, see the store's
items, add one to the cart; a refused (too long) term shows its message in place."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def till_data(org: dict[str, Any], make_user: Any, make_sku: Any, register: Any) -> Any:
    from omniretail.catalog.models import Product, Sku
    from omniretail.catalog.search import reindex_skus
    from omniretail.pos import services

    sku = make_sku("MT-1", price="1499", stock={"S1": 5})
    Product.objects.filter(pk=sku.product_id).update(name="贵州茅台飞天")
    Sku.objects.filter(pk=sku.pk).update(name="贵州茅台飞天 500ml")
    reindex_skus([sku.pk])
    cashier = make_user("cashier", store="S1")
    shift = services.open_shift(register=register, cashier_id=cashier.pk, opening_float="100")
    return {"cashier": cashier, "shift": shift}


def test_cashier_finds_an_item_by_initials_and_adds_it_in_browser(
    session_factory: Any, till_data: Any, frozen_now: Any
) -> None:
    s = session_factory("zh-hans")
    s.login(till_data["cashier"].username)
    page = s.page
    page.goto(f"/pos/shift/{till_data['shift'].pk}/")

    page.press("#pos-barcode", "F6")
    page.keyboard.type("gzmt")
    page.wait_for_selector("tr.pos-hit")
    assert "MT-1" in page.inner_text("#pos-search-results")
    page.click("tr.pos-hit button.pos-add")
    page.wait_for_function("document.querySelectorAll('tr.pos-line').length === 1")
    assert page.locator(".pos-total").get_attribute("data-total") == "1499.00"

    page.fill("#pos-search", "")
    page.evaluate(
        "() => { const el = document.getElementById('pos-search');"
        " el.removeAttribute('maxlength'); el.value = 'x'.repeat(200);"
        " el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.wait_for_selector("#pos-search-results [role=alert]")
