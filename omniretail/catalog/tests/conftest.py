from __future__ import annotations

import random
from typing import Any

import pytest


@pytest.fixture
def catalog(org: dict[str, Any]) -> dict[str, Any]:
    """Reference data (attributes, categories, rules, brands) for the test brand."""
    from omniretail.catalog.seed import ensure_reference_data

    return {"brand": org["brand"], "cats": ensure_reference_data(org["brand"])}


@pytest.fixture
def small_catalog(catalog: dict[str, Any]) -> dict[str, Any]:
    """~40 seeded SKUs across every category."""
    from omniretail.catalog.seed import build_rows, load_rows

    rows = build_rows(random.Random(7), 40)
    load_rows(catalog["brand"], rows)
    return {**catalog, "rows": rows}


@pytest.fixture
def moutai(catalog: dict[str, Any]) -> Any:
    """An active 飞天 SKU with a pack barcode and a list price of 2499."""
    from omniretail.catalog import pricing, services
    from omniretail.catalog.models import ProductBrand

    pb = ProductBrand.objects.get(code="MOUTAI")
    product = services.create_product(
        catalog["brand"],
        code="P-FT",
        name="飞天",
        category=catalog["cats"]["BAIJIU"],
        product_brand=pb,
    )
    sku = services.create_sku(
        product,
        services.SkuSpec(
            name="飞天",
            spec="53%vol 500ml",
            code="FT500",
            attributes={"abv": 53, "volume_ml": "500", "aroma_type": "酱香"},
            barcodes=[
                services.BarcodeSpec("6902952880294"),
                services.BarcodeSpec("6902952880300", 6),
            ],
        ),
    )
    services.change_status(sku, "active")
    pricing.set_price(sku, kind="list", amount="2499")
    sku.refresh_from_db()
    return sku
