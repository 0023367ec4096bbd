from __future__ import annotations

import random

import pytest

from omniretail.core.seeding import SeedContext, make_progress
from omniretail.inventory.models import Alert, Movement, StockCount, StockLevel
from omniretail.inventory.seed import seed_inventory

pytestmark = pytest.mark.django_db


def test_seed_writes_ledger_consistent_stock_when_run(org, make_sku, frozen_now):
    skus = [make_sku(), make_sku(tracks_batches=True, shelf_life_days=180), make_sku()]
    ctx = SeedContext(seed=1, scale=1, rng=random.Random(1), progress=make_progress(quiet=True))
    ctx.objects.update(
        skus=skus,
        stores=list(org["stores"].values()),
        warehouses=[org["central"], org["regional"]],
    )
    seed_inventory(ctx)
    assert StockLevel.objects.filter(location=org["central"]).count() == 3
    assert Movement.objects.filter(reason="opening stock").exists()
    assert StockCount.objects.filter(status="approved").count() == len(
        ctx.truth["inventory"]["count_variances"]
    )
    assert ctx.truth["inventory"]["near_expiry_lots"]
    assert Alert.objects.filter(kind="near_expiry").exists()
    # the autouse fixture checks the invariants afterwards
