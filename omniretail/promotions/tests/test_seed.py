from __future__ import annotations

import random
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_seed_plants_calendar_when_catalog_exists(org: dict[str, Any], frozen_now: Any) -> None:
    from omniretail.catalog.models import Sku
    from omniretail.catalog.seed import build_rows, ensure_reference_data, load_rows
    from omniretail.core.seeding import SeedContext, make_progress
    from omniretail.promotions.models import Coupon, Promotion
    from omniretail.promotions.seed import seed_promotions

    ensure_reference_data(org["brand"])
    load_rows(org["brand"], build_rows(random.Random(7), 40))
    ctx = SeedContext(seed=1, scale=0.1, rng=random.Random(1), progress=make_progress(quiet=True))
    ctx.objects.update(brand=org["brand"], skus=list(Sku.objects.order_by("pk")))
    seed_promotions(ctx)
    assert (
        Promotion.objects.filter(brand=org["brand"]).count()
        == ctx.truth["promotions"]["promotions"]
        == 26
    )
    assert Coupon.objects.count() == ctx.truth["promotions"]["coupons_issued"]
