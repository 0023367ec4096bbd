from __future__ import annotations

import random

import pytest

from omniretail.core.seeding import SeedContext, make_progress
from omniretail.orders.fulfilment_seed import seed_fulfilment
from omniretail.orders.models import Courier, Order, SlaPolicy

pytestmark = pytest.mark.django_db


def test_seed_gives_couriers_promises_and_a_paid_delivery_queue(org, make_sku, frozen_now):
    for n in range(3):
        make_sku(f"D{n}", stock={"S1": 40, "S2": 40})
    ctx = SeedContext(
        seed=1,
        scale=0.05,
        rng=random.Random(1),
        progress=make_progress(quiet=True),
        objects={"stores": list(org["stores"].values())},
    )
    seed_fulfilment(ctx)
    assert Courier.objects.filter(store=org["stores"]["S1"]).count() == 2
    assert (
        SlaPolicy.objects.get(store=org["stores"]["S1"], fulfilment_mode="delivery").minutes == 45
    )
    queued = Order.objects.filter(fulfilment_mode="delivery", status="paid")
    assert queued.count() == ctx.truth["fulfilment"]["queued"] > 0
    assert all(o.delivery_latitude and o.delivery_window_end for o in queued)
