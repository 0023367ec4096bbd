"""Shared test fixtures for the selling domains (orders, payments, POS): a tiny catalog with
list prices and stock, never the demo seed. Registered as a pytest plugin by the root conftest;
an app may still define its own fixture of the same name (inventory does) and it wins there."""

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
