from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def shop(org: dict[str, Any], frozen_now: Any) -> dict[str, Any]:
    """Three draft SKUs with list prices: baijiu A ¥100, baijiu B ¥50, a drink ¥10."""
    from omniretail.catalog import pricing
    from omniretail.catalog.models import Product, Sku
    from omniretail.catalog.seed import ensure_reference_data

    brand = org["brand"]
    cats = ensure_reference_data(brand)
    skus = {}
    for code, cat, price in [("A", "BAIJIU", "100"), ("B", "BAIJIU", "50"), ("C", "DRINK", "10")]:
        product = Product.objects.create(
            brand=brand, category=cats[cat], code=f"P-{code}", name=code
        )
        sku = Sku.objects.create(product=product, code=f"SKU-{code}", name=f"商品{code}")
        pricing.set_price(sku, kind="list", amount=price)
        skus[code] = sku
    return {**org, "cats": cats, "skus": skus}
