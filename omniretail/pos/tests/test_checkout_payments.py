"""Checkout through the real payments app (not the stand-in of the other tests)."""

from __future__ import annotations

from decimal import Decimal

from omniretail.inventory.models import StockLevel
from omniretail.orders.models import Order
from omniretail.pos import reports, services


def test_checkout_pays_sells_and_counts_change_when_cash_via_payments(
    org, make_sku, register, frozen_now
):
    from omniretail.payments.services import TenderIn

    sku = make_sku("TEA", price="8.80", stock={"S1": 5})
    shift = services.open_shift(register=register, cashier_id=None, opening_float="50.00")

    result = services.checkout(
        shift=shift,
        lines=[services.CheckoutLine(sku.pk, 2)],
        tenders=[TenderIn(kind="cash", amount=Decimal("17.60"), tendered=Decimal("20.00"))],
        reference="till-1",
    )
    again = services.checkout(
        shift=shift,
        lines=[services.CheckoutLine(sku.pk, 2)],
        tenders=[TenderIn(kind="cash", amount=Decimal("17.60"), tendered=Decimal("20.00"))],
        reference="till-1",
    )

    assert Order.objects.get(pk=result.order.pk).status == "completed"
    assert result.sale.change_due == Decimal("2.40")
    assert again.order.pk == result.order.pk and again.replayed
    assert StockLevel.objects.get(sku=sku, location=org["floor"]["S1"]).on_hand == 3
    assert reports.expected_cash(shift.pk) == Decimal("67.60")  # 50 + 20 − 2.40
