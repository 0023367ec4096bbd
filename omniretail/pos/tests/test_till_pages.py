"""The web till with the real payments app: split tenders, refunds at the till, receipts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.inventory.models import StockLevel
from omniretail.payments.models import Payment, RiskFlag
from omniretail.pos import approvals, services
from omniretail.pos.models import CashMovement, Fapiao, PosRefund, PosSale


@pytest.fixture
def web_till(client, org, make_user, make_sku, register, frozen_now):
    cashier = make_user("cashier", store="S1")
    manager = make_user("store_manager", store="S1", username="mgr")
    approvals.set_pin(manager, "2468")
    shift = services.open_shift(register=register, cashier_id=cashier.pk, opening_float="100")
    skus = [
        make_sku(f"I{n}", price=p, stock={"S1": 10}) for n, p in enumerate(["3.50", "12", "20"])
    ]
    client.force_login(cashier)
    return {"shift": shift, "skus": skus, "client": client, "org": org}


def _scan_all(web_till):
    c, shift = web_till["client"], web_till["shift"]
    for sku in web_till["skus"]:
        c.post(f"/pos/shift/{shift.pk}/scan/", {"barcode": sku.barcodes.get().code})


def test_split_cash_and_wechat_pays_with_change_when_rest_in_cash(web_till):
    c, shift = web_till["client"], web_till["shift"]
    _scan_all(web_till)  # 35.50

    paid = c.post(
        f"/pos/shift/{shift.pk}/pay/",
        {
            "kind": "split",
            "amount_wechat": "20",
            "code_wechat": "134567890123456789",
            "tendered": "20",
        },
    )

    assert paid.status_code == 204, paid.content.decode()[:500]
    sale = PosSale.objects.get()
    kinds = sorted(Payment.objects.filter(order=sale.order).values_list("kind", "amount"))
    assert kinds == [("cash", Decimal("15.50")), ("wechat", Decimal("20.00"))]
    assert sale.change_due == Decimal("4.50")
    receipt = c.get(paid["HX-Redirect"]).content.decode()
    assert ("微信支付" in receipt or "WeChat Pay" in receipt) and "<svg" in receipt


def test_split_refused_when_tenders_exceed_total(web_till):
    c, shift = web_till["client"], web_till["shift"]
    _scan_all(web_till)

    page = c.post(
        f"/pos/shift/{shift.pk}/pay/", {"kind": "split", "amount_card": "50", "tendered": ""}
    )

    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert not PosSale.objects.exists() and not Payment.objects.exists()


def test_void_needs_supervisor_when_quantity_set_to_zero(web_till):
    c, shift = web_till["client"], web_till["shift"]
    _scan_all(web_till)
    line = shift.carts.get().lines.first()

    refused = c.post(f"/pos/shift/{shift.pk}/lines/{line.pk}/", {"quantity": "0"})
    wrong = c.post(
        f"/pos/shift/{shift.pk}/lines/{line.pk}/approve/",
        {"action": "void", "supervisor": "mgr", "pin": "1111", "reason": "扫错"},
    )
    approved = c.post(
        f"/pos/shift/{shift.pk}/lines/{line.pk}/approve/",
        {"action": "void", "supervisor": "mgr", "pin": "2468", "reason": "扫错"},
    )

    assert 'role="alert"' in refused.content.decode()
    assert 'role="alert"' in wrong.content.decode()
    assert approved.status_code == 200 and shift.carts.get().lines.count() == 2


def test_refund_at_till_returns_lines_to_original_tenders_when_approved(web_till):
    c, shift, org = web_till["client"], web_till["shift"], web_till["org"]
    _scan_all(web_till)
    c.post(f"/pos/shift/{shift.pk}/pay/", {"kind": "cash", "tendered": "50"})
    sale = PosSale.objects.get()
    line = sale.order.lines.get(sku=web_till["skus"][1])  # 12.00

    found = c.get(f"/pos/shift/{shift.pk}/refund/", {"receipt": sale.order.number})
    done = c.post(
        f"/pos/shift/{shift.pk}/refund/",
        {
            "receipt": sale.order.number,
            "reference": "R-1",
            f"qty_{line.pk}": "1",
            "with_receipt": "1",
            "reason": "不想要了",
            "supervisor": "mgr",
            "pin": "2468",
        },
    )

    assert found.status_code == 200 and web_till["skus"][1].name in found.content.decode()
    assert done.status_code == 200, done.content.decode()[:300]
    refund = PosRefund.objects.get()
    assert (refund.amount, refund.cash_amount) == (Decimal("12.00"), Decimal("12.00"))
    assert CashMovement.objects.get(shift=shift, kind="refund").amount == Decimal("12.00")
    stock = StockLevel.objects.get(sku=web_till["skus"][1], location=org["floor"]["S1"])
    assert stock.on_hand == 10


def test_refund_refused_and_nothing_returned_when_pin_wrong(web_till):
    c, shift = web_till["client"], web_till["shift"]
    _scan_all(web_till)
    c.post(f"/pos/shift/{shift.pk}/pay/", {"kind": "cash", "tendered": "50"})
    sale = PosSale.objects.get()
    line = sale.order.lines.first()

    page = c.post(
        f"/pos/shift/{shift.pk}/refund/",
        {
            "receipt": sale.order.number,
            "reference": "R-2",
            f"qty_{line.pk}": "1",
            "reason": "x",
            "supervisor": "mgr",
            "pin": "9999",
        },
    )

    assert 'role="alert"' in page.content.decode()
    assert not PosRefund.objects.exists() and not sale.order.returns.exists()


def test_refunds_without_receipt_raise_risk_flag_when_repeated(web_till):
    from omniretail.payments.models import RiskRule

    RiskRule.objects.create(code="refund_no_receipt", threshold=2, window_minutes=600)
    c, shift = web_till["client"], web_till["shift"]
    _scan_all(web_till)
    c.post(f"/pos/shift/{shift.pk}/pay/", {"kind": "cash", "tendered": "50"})
    sale = PosSale.objects.get()
    for n, line in enumerate(sale.order.lines.all()[:2]):
        c.post(
            f"/pos/shift/{shift.pk}/refund/",
            {
                "receipt": sale.order.number,
                "reference": f"NR-{n}",
                f"qty_{line.pk}": "1",
                "reason": "无小票",
                "supervisor": "mgr",
                "pin": "2468",
            },
        )

    assert PosRefund.objects.filter(with_receipt=False).count() == 2
    assert RiskFlag.objects.filter(rule="refund_no_receipt").exists()


def test_receipt_pdf_and_e_receipt_link_when_sold(web_till, client):
    c, shift = web_till["client"], web_till["shift"]
    _scan_all(web_till)
    c.post(f"/pos/shift/{shift.pk}/pay/", {"kind": "cash", "tendered": "50"})
    sale = PosSale.objects.get()

    pdf = c.get(f"/pos/receipt/{sale.pk}/pdf/")
    page = c.get(f"/pos/receipt/{sale.pk}/").content.decode()
    link = page.split('href="http://testserver')[1].split('"')[0]
    c.logout()
    public = c.get(link)
    tampered = c.get(link[:-3] + "xyz/")

    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"STSong-Light" in pdf.content
    assert public.status_code == 200 and sale.order.number in public.content.decode()
    assert tampered.status_code == 404


def test_fapiao_request_is_captured_and_company_needs_tax_id(web_till):
    c, shift = web_till["client"], web_till["shift"]
    _scan_all(web_till)
    c.post(f"/pos/shift/{shift.pk}/pay/", {"kind": "cash", "tendered": "50"})
    sale = PosSale.objects.get()

    bad = c.post(f"/pos/receipt/{sale.pk}/fapiao/", {"kind": "company", "title": "某某公司"})
    good = c.post(
        f"/pos/receipt/{sale.pk}/fapiao/",
        {"kind": "company", "title": "某某公司", "tax_id": "91310000MA1FL0000X"},
    )

    assert "?e=" in bad["Location"] and "?e=" not in good["Location"]
    assert Fapiao.objects.get(sale=sale).tax_id == "91310000MA1FL0000X"
