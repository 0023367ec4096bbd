"""Inventory test fixtures: a tiny catalog made directly (never the demo seed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def make_sku(org: dict[str, Any]) -> Callable[..., Any]:
    """make_sku(code="A", tracks_batches=False, near_expiry_days=None) → an active Sku."""
    from omniretail.catalog.models import Barcode, Category, Product, Sku

    root = Category.objects.create(
        brand=org["brand"], code="ROOT", name="全部", path="", near_expiry_days=30
    )
    root.path = f"{root.pk:06d}/"
    root.save(update_fields=["path"])
    counter = {"n": 0}

    def make(
        code: str | None = None,
        *,
        tracks_batches: bool = False,
        near_expiry_days: int | None = None,
        shelf_life_days: int | None = None,
    ) -> Any:
        counter["n"] += 1
        n = counter["n"]
        category = Category.objects.create(
            brand=org["brand"],
            parent=root,
            code=f"C{n}",
            name=f"类目{n}",
            path="",
            depth=1,
            near_expiry_days=near_expiry_days,
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
            product=product,
            code=code or f"SKU{n}",
            name=f"商品{n} 500ml",
            status="active",
            tracks_batches=tracks_batches,
            shelf_life_days=shelf_life_days,
        )
        body = f"2{sku.pk:011d}"
        odd_even = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
        Barcode.objects.create(
            sku=sku, code=body + str((10 - odd_even % 10) % 10), kind="internal", is_primary=True
        )
        return sku

    return make


@pytest.fixture
def sku(make_sku: Callable[..., Any]) -> Any:
    return make_sku("SKU-A")


@pytest.fixture(autouse=True)
def _inventory_invariants_hold(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every database test: the ledger and projections still agree."""
    yield
    if "db" not in request.fixturenames and "transactional_db" not in request.fixturenames:
        return
    if request.node.get_closest_marker("allow_invariant_breach"):
        return
    from omniretail.core.integrity import registered

    breaches = {
        name: list(fn()) for name, fn in registered().items() if name.startswith("inventory.")
    }
    assert not any(breaches.values()), breaches
