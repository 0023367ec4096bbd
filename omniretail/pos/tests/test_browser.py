"""The till in headless Chromium: scan three items, attach a member, split cash + sandbox
WeChat Pay, print the receipt, close the shift with a Z report."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def till_data(org: dict[str, Any], make_user: Any, make_sku: Any, register: Any) -> Any:
    from omniretail.members.identity import register_member

    member = register_member(org["brand"], "13712345678", store=org["stores"]["S1"], consents={})
    skus = [
        make_sku(f"B{n}", price=p, stock={"S1": 10}) for n, p in enumerate(["3.50", "12", "20"])
    ]
    return {
        "cashier": make_user("cashier", store="S1"),
        "barcodes": [s.barcodes.get().code for s in skus],
        "member": member,
        "register": register,
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_cashier_sells_splits_prints_and_closes_in_browser(
    session_factory: Any, till_data: Any, frozen_now: Any, language: str
) -> None:
    from omniretail.payments.models import Payment
    from omniretail.pos.models import PosSale, ZReport

    s = session_factory(language)
    s.login(till_data["cashier"].username)
    page = s.page
    page.goto("/pos/")
    page.fill(
        f"form[action$='/registers/{till_data['register'].pk}/open/'] input[name=opening_float]",
        "100",
    )
    with page.expect_navigation():
        page.click(f"form[action$='/registers/{till_data['register'].pk}/open/'] button")

    for n, code in enumerate(till_data["barcodes"], start=1):
        page.fill("#pos-barcode", code)
        page.press("#pos-barcode", "Enter")
        page.wait_for_function(f"document.querySelectorAll('tr.pos-line').length === {n}")
    assert page.locator(".pos-total").get_attribute("data-total") == "35.50"

    # Let the last scan's HTMX swaps settle: a swap landing mid-typing replaced the member box.
    page.wait_for_load_state("networkidle")
    page.fill("input[name=q]", "13712345678")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".pos-member")

    page.click("details.pos-split summary")
    page.fill("input[name=amount_wechat]", "20")
    page.fill("input[name=auth_code]", "134567890123456789")
    page.fill("#pos-tendered", "20")
    with page.expect_navigation():
        page.click("button[name=kind][value=split]")
    assert "/pos/receipt/" in page.url

    page.evaluate("window.__printed = false; window.print = () => { window.__printed = true; }")
    page.click("#print-receipt")
    assert page.evaluate("window.__printed") is True
    pdf = page.request.get(page.url + "pdf/")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    with page.expect_navigation():
        page.click("#next-customer")
    page.once("dialog", lambda dialog: dialog.accept())
    page.fill("input[name=counted_cash]", "115.50")
    with page.expect_navigation():
        page.click("form[hx-post$='/close/'] button")
    z = ZReport.objects.get()
    assert z.number in page.locator(".report-title").inner_text()

    sale = PosSale.objects.get()
    assert sale.order.member_id == till_data["member"].pk
    assert sorted(Payment.objects.values_list("kind", flat=True)) == ["cash", "wechat"]
    assert s.problems == []
