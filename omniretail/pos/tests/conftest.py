"""POS test fixtures: a register and a payments stand-in (make_sku and place come from
omniretail.testing.sales)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def register(org: dict[str, Any]) -> Any:
    from omniretail.pos.services import create_register

    return create_register(store_id=org["stores"]["S1"].pk, code="R1", name="一号收银台")


@pytest.fixture
def fake_payments(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stands in for ``omniretail.payments.services`` (built in parallel) with its agreed
    contract: the tenders pay the order in full, cash change is tendered − amount, and a paid
    till order is marked paid (which sells its stock). Returns the calls made."""
    import sys
    import types
    from dataclasses import dataclass
    from decimal import Decimal

    from omniretail.orders.models import Order
    from omniretail.orders.services import mark_paid

    calls: list[dict[str, Any]] = []

    @dataclass
    class TenderIn:
        kind: str
        amount: Decimal
        auth_code: str = ""
        tendered: Decimal | None = None
        member_id: int | None = None

    @dataclass
    class PaymentResult:
        order_id: int
        status: str
        paid_total: Decimal
        change_due: Decimal
        payment_ids: list[int]
        failures: list[str]

    def take_payment(**kw: Any) -> PaymentResult:
        calls.append(kw)
        order = Order.objects.get(pk=kw["order_id"])
        paid = sum((Decimal(t.amount) for t in kw["tenders"]), Decimal("0.00"))
        change = sum(
            (Decimal(t.tendered) - Decimal(t.amount) for t in kw["tenders"] if t.tendered),
            Decimal("0.00"),
        )
        if paid < order.total:
            return PaymentResult(order.pk, "failed", Decimal("0.00"), Decimal("0"), [], ["short"])
        if order.status == "awaiting_payment":
            mark_paid(order)
        return PaymentResult(order.pk, "paid", paid, change, [1], [])

    module = types.ModuleType("omniretail.payments.services")
    module.TenderIn = TenderIn  # type: ignore[attr-defined]
    module.take_payment = take_payment  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "omniretail.payments.services", module)
    return calls


@pytest.fixture(autouse=True)
def _fresh_scan_cache() -> Any:
    """Scan previews cache promotions per brand for a few seconds; brand ids repeat between
    tests, so each test starts with an empty cache."""
    from omniretail.pos.selectors import clear_scan_cache

    clear_scan_cache()
    yield
    clear_scan_cache()
