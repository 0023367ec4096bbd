"""The demo campaign: planted through real till checkouts, its measured lift matches the
planted one."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest

from omniretail.promotions import campaign_results
from omniretail.promotions.campaign_demo import plant_campaign
from omniretail.promotions.models import Campaign
from omniretail.promotions.seed import demo_baskets
from omniretail.promotions.tests.test_segments import make_members

pytestmark = pytest.mark.django_db


def test_measured_lift_matches_planted_lift_when_treatment_buys_at_higher_rate(
    org: dict[str, Any], frozen_now: Any, make_sku: Any
) -> None:
    from omniretail.catalog.models import Sku

    for n, price in enumerate(("35", "60", "120")):
        make_sku(f"D{n}", price=price, stock={"S1": 200})
    make_members(org, 60)
    store = org["stores"]["S1"]
    skus = list(Sku.objects.select_related("product__category").order_by("pk"))
    baskets = demo_baskets(store, skus, uses=20)
    assert len(baskets) == 3

    planted = plant_campaign(
        org["brand"],
        store,
        baskets,
        rng=random.Random(7),
        treatment_rate=0.6,
        control_rate=0.3,
        holdout_bp=3000,
        max_orders=100,
    )
    frozen_now.shift(dt.timedelta(hours=2))
    measured = campaign_results.results(Campaign.objects.get(pk=planted.campaign_id))

    assert planted.failed_checkouts == 0
    assert planted.treatment_buyers > planted.control_buyers > 0
    assert measured.treatment.buyers == planted.treatment_buyers
    assert measured.control.buyers == planted.control_buyers
    assert planted.lift_pct is not None and planted.lift_pct > 50
    assert abs(measured.lift_pct - planted.lift_pct) <= Decimal("0.5")
    assert measured.cost > 0 and measured.promotion_orders == planted.treatment_buyers
