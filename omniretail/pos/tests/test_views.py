"""The web till: open a shift, scan, pay cash, see the receipt; hold and resume."""

from __future__ import annotations

from omniretail.orders.models import Order
from omniretail.pos.models import PosCart, PosSale


def test_web_till_sells_and_prints_receipt_when_cash_paid(
    client, make_user, make_sku, register, frozen_now
):
    sku = make_sku("COLA", price="3.50", stock={"S1": 10})
    barcode = sku.barcodes.get().code
    client.force_login(make_user("cashier", store="S1"))

    assert client.get("/pos/").status_code == 200
    opened = client.post(f"/pos/registers/{register.pk}/open/", {"opening_float": "100.00"})
    terminal = opened["Location"]
    shift_id = int(terminal.rstrip("/").split("/")[-1])
    assert client.get(terminal).status_code == 200
    cart = client.post(f"/pos/shift/{shift_id}/scan/", {"barcode": barcode})
    client.post(f"/pos/shift/{shift_id}/scan/", {"barcode": barcode})
    assert "¥7.00" in client.post(f"/pos/shift/{shift_id}/scan/", {"barcode": "0"}).content.decode()
    assert cart.status_code == 200
    paid = client.post(f"/pos/shift/{shift_id}/pay/", {"kind": "cash", "tendered": "10"})

    assert paid.status_code == 204
    sale = PosSale.objects.get()
    assert (sale.paid_total, sale.change_due) == (7, 3)
    assert Order.objects.get().status == "completed"
    page = client.get(paid["HX-Redirect"]).content.decode()
    assert sale.order.number in page and "10:00" in page  # Asia/Shanghai time


def test_held_cart_comes_back_when_resumed(client, make_user, make_sku, register, frozen_now):
    from omniretail.pos import services

    sku = make_sku("COLA", price="3.50")
    shift = services.open_shift(register=register, cashier_id=None, opening_float="0")
    client.force_login(make_user("cashier", store="S1"))
    client.post(f"/pos/shift/{shift.pk}/scan/", {"barcode": sku.barcodes.get().code})
    client.post(f"/pos/shift/{shift.pk}/hold/", {"label": "张先生"})
    held = PosCart.objects.get(status="held")

    page = client.post(f"/pos/shift/{shift.pk}/resume/{held.pk}/").content.decode()

    assert "COLA" in page
    assert PosCart.objects.get(pk=held.pk).status == "active"


def test_other_stores_shift_is_404_when_outside_scope(client, make_user, register, frozen_now):
    from omniretail.pos import services

    shift = services.open_shift(register=register, cashier_id=None, opening_float="0")
    client.force_login(make_user("cashier", store="S2"))

    assert client.get(f"/pos/shift/{shift.pk}/").status_code == 404
