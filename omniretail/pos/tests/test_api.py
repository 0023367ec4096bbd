"""Till API: scan, shifts, checkout, age check, idempotency and scope."""

from __future__ import annotations

from typing import Any

import pytest

from omniretail.catalog.models import Barcode


@pytest.fixture
def cashier(make_user: Any, api_as: Any) -> Any:
    return api_as(make_user("cashier", store="S1"))


def _open(cashier: Any, register: Any, float_: str = "100.00") -> dict[str, Any]:
    response = cashier.post(f"pos/registers/{register.pk}/shifts", {"opening_float": float_})
    assert response.status_code == 200, response.content
    return response.json()


def _checkout(cashier, org, register, shift, sku, qty=1, ref="r1", **extra) -> Any:
    body = {
        "store_id": org["stores"]["S1"].pk,
        "register_id": register.pk,
        "shift_id": shift["id"],
        "lines": [{"sku_id": sku.pk, "quantity": qty}],
        "tenders": [{"kind": "cash", "amount": "25.00", "tendered": "50.00"}],
        "reference": ref,
        **extra,
    }
    return cashier.post("pos/checkout", body)


def test_scan_gives_pack_quantity_when_barcode_is_a_case(cashier, org, make_sku):
    sku = make_sku("BEER", price="5.00", stock={"S1": 24})
    Barcode.objects.create(sku=sku, code="6901234567892", kind="ean13", pack_quantity=6)

    response = cashier.get(f"pos/scan?store_id={org['stores']['S1'].pk}&barcode=6901234567892")

    assert response.status_code == 200, response.content
    line = response.json()
    assert (line["quantity"], line["unit_price"], line["net"]) == (6, "5.00", "30.00")
    assert line["available"] == 24
    assert line["sellable"] is True and line["age_check_required"] is False


def test_checkout_sells_and_gives_change_when_paid_in_cash(
    cashier, org, make_sku, register, fake_payments
):
    from omniretail.inventory.models import StockLevel
    from omniretail.orders.models import Order

    sku = make_sku("WATER", price="12.50", stock={"S1": 10})
    shift = _open(cashier, register)

    response = _checkout(cashier, org, register, shift, sku, qty=2)

    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["total"], out["paid_total"], out["change_due"]) == ("25.00", "25.00", "25.00")
    assert Order.objects.get(pk=out["order_id"]).status == "completed"
    assert StockLevel.objects.get(sku=sku, location=org["floor"]["S1"]).on_hand == 8
    report = cashier.get(f"pos/shifts/{shift['id']}/x-report").json()
    assert report["expected_cash"] == "125.00"  # 100 float + 50 tendered − 25 change
    assert report["sales_count"] == 1


def test_checkout_returns_same_order_when_reference_is_replayed(
    cashier, org, make_sku, register, fake_payments
):
    sku = make_sku("WATER", price="12.50")
    shift = _open(cashier, register)

    first = _checkout(cashier, org, register, shift, sku, qty=2, ref="same").json()
    again = _checkout(cashier, org, register, shift, sku, qty=2, ref="same").json()

    assert again["order_number"] == first["order_number"]
    assert again["replayed"] is True
    assert len(fake_payments) == 1
    report = cashier.get(f"pos/shifts/{shift['id']}/x-report").json()
    assert report["cash_sales"] == "50.00"


def test_checkout_is_refused_when_alcohol_needs_age_check_unverified(
    cashier, org, make_sku, register, fake_payments
):
    from omniretail.catalog.restrictions import add_restriction
    from omniretail.orders.models import Order

    sku = make_sku("BAIJIU", price="12.50")
    add_restriction(kind="age_check", sku=sku, min_age=18)
    shift = _open(cashier, register)

    refused = _checkout(cashier, org, register, shift, sku, qty=2)
    allowed = _checkout(cashier, org, register, shift, sku, qty=2, ref="r2", age_verified=True)

    assert refused.status_code == 422
    assert refused.json()["code"] == "pos_age_check_required"
    assert allowed.status_code == 200, allowed.content
    assert Order.objects.count() == 1


def test_register_answers_404_when_store_is_outside_scope(make_user, api_as, org):
    from omniretail.pos.services import create_register

    other = create_register(store_id=org["stores"]["S2"].pk, code="R9", name="别家")
    client = api_as(make_user("cashier", store="S1"))

    opened = client.post(f"pos/registers/{other.pk}/shifts", {"opening_float": "0"})
    scanned = client.get(f"pos/scan?store_id={org['stores']['S2'].pk}&barcode=123")

    assert opened.status_code == 404
    assert scanned.status_code == 404


def test_close_shift_over_api_gives_variance_when_count_differs(cashier, register):
    shift = _open(cashier, register, "100.00")
    cashier.post(f"pos/shifts/{shift['id']}/cash", {"kind": "cash_out", "amount": "30.00"})

    z = cashier.post(f"pos/shifts/{shift['id']}/close", {"counted_cash": "71.00"}).json()

    assert z["totals"]["expected_cash"] == "70.00"
    assert z["totals"]["variance"] == "1.00"
