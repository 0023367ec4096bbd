"""Payments test fixtures (copied from the orders tests): a tiny catalog, orders to pay."""

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
def order(make_sku: Callable[..., Any], place: Callable[..., Any]) -> Any:
    """A till order of 100.00 awaiting payment (two units at 50.00)."""
    sku = make_sku("PAY1", price="50", stock={"S1": 10})
    return place((sku, 2), channel="pos", mode="pos_carry_out")


@pytest.fixture
def web_order(make_sku: Callable[..., Any], place: Callable[..., Any]) -> Any:
    """An online pickup order of 88.00 awaiting payment."""
    sku = make_sku("PAY2", price="88", stock={"S1": 10})
    return place((sku, 1))


@pytest.fixture
def member(org: dict[str, Any], frozen_now: Any) -> Any:
    """A member of the brand with 30.00 on the wallet."""
    from omniretail.members import stored_value
    from omniretail.members.identity import register_member

    m = register_member(
        org["brand"], "13812341234", store=org["stores"]["S1"], name="张三", consents={}
    )
    stored_value.top_up(stored_value.wallet_for(m), "30.00", "topup-1")
    return m
