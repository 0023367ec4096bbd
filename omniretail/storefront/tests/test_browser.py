"""The shopper in headless Chromium, in Chinese and English: log in, choose a store, browse,
add to cart, pay with points and the sandbox wallet, see the pickup code."""

from __future__ import annotations

import re
from typing import Any

import pytest

from omniretail.testing.constants import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "zh-hans": {"shop": "网上商城", "code": "取货码", "status": "已付款"},
    "en": {"shop": "Online shop", "code": "pickup code", "status": "Paid"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_shopper_pays_with_points_and_wallet_and_sees_pickup_code(
    session_factory: Any, org: dict[str, Any], make_sku: Any, language: str
) -> None:
    from omniretail.members import online, points

    _user, member = online.register_online(
        org["brand"],
        phone="13911112222",
        username="webshopper",
        password=PASSWORD,
        accepted_policy=True,
    )
    points.adjust_points(member, 1000, "test points", reference="browser-points")
    make_sku("BRW1", price="36", stock={"S1": 4})
    texts = TEXTS[language]

    s = session_factory(language)
    page = s.page
    page.goto("/shop/login/")
    assert texts["shop"] in page.content()
    page.fill("input[name=username]", "webshopper")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.get_by_test_id("shop-login").click()
    assert page.url.endswith("/shop/account/")
    assert page.get_by_test_id("points-balance").inner_text() == "1000"

    page.goto("/shop/")
    with page.expect_navigation():
        page.locator(f'[data-store="{org["stores"]["S1"].pk}"] button').click()
    with page.expect_navigation():
        page.get_by_test_id("add-BRW1").click()
    assert page.get_by_test_id("cart-count").inner_text() == "1"

    page.get_by_test_id("cart-link").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cart-total").inner_text() == "¥36.00"
    page.get_by_test_id("to-checkout").click()
    page.wait_for_load_state()
    page.get_by_test_id("points").fill("600")
    with page.expect_navigation():
        page.get_by_test_id("place-order").click()
    assert page.get_by_test_id("wallet-amount").inner_text() == "¥30.00"
    with page.expect_navigation():
        page.get_by_test_id("confirm-payment").click()

    assert re.fullmatch(r"\d{6}", page.get_by_test_id("pickup-code").inner_text())
    assert page.locator("[data-testid=pickup-qr] svg").count() == 1
    assert texts["code"] in page.content()
    assert page.get_by_test_id("order-status").inner_text() == texts["status"]
    assert page.locator("html").get_attribute("lang") == language
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024
    page.set_viewport_size({"width": 375, "height": 740})  # a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert s.problems == []
