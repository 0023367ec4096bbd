"""Till refunds and fapiao requests through the API (third-party terminals)."""

from __future__ import annotations

from decimal import Decimal

from omniretail.pos import approvals, services
from omniretail.pos.models import PosRefund


def test_api_refund_needs_pin_and_returns_to_cash_when_approved(
    api_as, org, make_user, make_sku, register, frozen_now
):
    from omniretail.payments.services import TenderIn

    cashier = make_user("cashier", store="S1")
    approvals.set_pin(make_user("store_manager", store="S1", username="mgr"), "2468")
    shift = services.open_shift(register=register, cashier_id=cashier.pk, opening_float="50")
    sku = make_sku("APIR", price="9.90")
    sale = services.checkout(
        shift=shift,
        lines=[services.CheckoutLine(sku.pk, 2)],
        tenders=[TenderIn("cash", Decimal("19.80"), tendered=Decimal("20"))],
        reference="api-r-1",
    ).sale
    line = sale.order.lines.get()
    api = api_as(cashier)
    body = {
        "receipt": sale.order.number,
        "lines": [{"order_line_id": line.pk, "quantity": 1}],
        "reference": "API-R1",
        "supervisor": "mgr",
        "pin": "0000",
    }

    wrong = api.post(f"/api/v1/pos/shifts/{shift.pk}/refunds", body)
    done = api.post(f"/api/v1/pos/shifts/{shift.pk}/refunds", {**body, "pin": "2468"})
    again = api.post(f"/api/v1/pos/shifts/{shift.pk}/refunds", {**body, "pin": "2468"})
    fapiao = api.post(
        f"/api/v1/pos/receipts/{sale.pk}/fapiao", {"kind": "personal", "title": "张三"}
    )

    assert wrong.status_code == 403 and wrong.json()["code"] == "pos_supervisor_pin_invalid"
    assert done.status_code == 200 and done.json()["cash_amount"] == "9.90"
    assert again.json()["id"] == done.json()["id"] and PosRefund.objects.count() == 1
    assert fapiao.json()["title"] == "张三"


def test_api_refund_of_unknown_receipt_is_404(api_as, make_user, register, frozen_now):
    cashier = make_user("cashier", store="S1")
    shift = services.open_shift(register=register, cashier_id=cashier.pk, opening_float="0")
    answer = api_as(cashier).post(
        f"/api/v1/pos/shifts/{shift.pk}/refunds",
        {
            "receipt": "99999999999999999999",
            "lines": [{"order_line_id": 1, "quantity": 1}],
            "reference": "X1",
            "supervisor": "mgr",
            "pin": "1",
        },
    )
    assert answer.status_code == 404
