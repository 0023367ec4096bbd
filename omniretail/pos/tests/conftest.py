"""POS test fixtures (after the orders ones): a tiny catalog (never the demo seed) with list prices and stock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def make_sku(org: dict[str, Any], frozen_now: Any) -> Callable[..., Any]:
    """make_sku(code, price="10", stock={"S1": 10}) → an active Sku with a list price and
    stock received on the store floors named in ``stock``."""
    from omniretail.catalog import pricing
    from omniretail.catalog.models import Barcode, Category, Product, Sku
    from omniretail.inventory import services as inventory

    root = Category.objects.create(
        brand=org["brand"], code="ROOT", name="全部", path="", near_expiry_days=30
    )
    root.path = f"{root.pk:06d}/"
    root.save(update_fields=["path"])
    counter = {"n": 0}

    def make(
        code: str | None = None, *, price: str = "10", stock: dict[str, int] | None = None
    ) -> Any:
        counter["n"] += 1
        n = counter["n"]
        category = Category.objects.create(
            brand=org["brand"], parent=root, code=f"C{n}", name=f"类目{n}", path="", depth=1
        )
        category.path = f"{root.path}{category.pk:06d}/"
        category.save(update_fields=["path"])
        product = Product.objects.create(
            brand=org["brand"],
            category=category,
            code=f"P-{code or n}",
            name=f"商品{n}",
            status="active",
        )
        sku = Sku.objects.create(
            product=product, code=code or f"SKU{n}", name=f"商品{n} 500ml", status="active"
        )
        body = f"2{sku.pk:011d}"
        odd_even = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
        Barcode.objects.create(
            sku=sku, code=body + str((10 - odd_even % 10) % 10), kind="internal", is_primary=True
        )
        pricing.set_price(sku, kind="list", amount=price)
        for store_code, qty in (stock if stock is not None else {"S1": 10}).items():
            inventory.receive(
                sku_id=sku.pk,
                location_id=org["floor"][store_code].pk,
                quantity=qty,
                unit_cost_fen=500,
                reference=f"rcv-{sku.code}-{store_code}",
            )
        return sku

    return make


@pytest.fixture
def place(org: dict[str, Any]) -> Callable[..., Any]:
    """place(sku, qty=1, channel="online", mode="pickup", store="S1", ref=None) → Order."""
    from omniretail.orders.services import LineRequest, place_order

    counter = {"n": 0}

    def make(
        *items: tuple[Any, int],
        channel: str = "online",
        mode: str = "pickup",
        store: str = "S1",
        ref: str | None = None,
        **kw: Any,
    ) -> Any:
        counter["n"] += 1
        return place_order(
            store=org["stores"][store],
            channel=channel,
            fulfilment_mode=mode,
            lines=[LineRequest(sku.pk, qty) for sku, qty in items],
            reference=ref or f"ref-{counter['n']}",
            **kw,
        )

    return make


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
