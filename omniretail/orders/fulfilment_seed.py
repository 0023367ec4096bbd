"""Demo fulfilment set-up (seed step ``fulfilment``, after the sales history): couriers for
every store that fulfils online, fulfilment promises per store and mode, and — at the first
two such stores — a live queue of today's paid same-day delivery orders (routed through the
real services, so stock is reserved) for the dispatch board to plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from omniretail.core import clock
from omniretail.core.errors import DomainError
from omniretail.core.seeding import SeedContext, seed_step

COURIER_NAMES = ["小王", "小李", "小张", "小刘", "小陈", "小杨"]


def _candidate_skus(store: Any, limit: int = 40) -> list[int]:
    from omniretail.inventory.models import StockLevel

    floor = store.locations.filter(kind="store_floor").first()
    if floor is None:
        return []
    return list(
        StockLevel.objects.filter(location=floor, on_hand__gte=20, online_excluded=False)
        .order_by("sku_id")
        .values_list("sku_id", flat=True)[:limit]
    )


@seed_step("fulfilment", order=85)
def seed_fulfilment(ctx: SeedContext) -> None:
    from .models import Courier, SlaPolicy
    from .routing import place_routed_order
    from .services import LineRequest, mark_paid

    stores = ctx.objects.get("stores") or []
    stores = list(stores.values()) if isinstance(stores, dict) else list(stores)
    online = [s for s in stores if s.fulfils_online and s.latitude is not None]
    task = ctx.track("orders: couriers and delivery queue", len(online))
    couriers = policies = queued = 0
    now = clock.now()
    for i, store in enumerate(online):
        n = 3 if store.store_type == "flagship" else 2
        Courier.objects.bulk_create(
            Courier(store=store, name=COURIER_NAMES[k], capacity=12 + 4 * k) for k in range(n)
        )
        couriers += n
        SlaPolicy.objects.bulk_create(
            [
                SlaPolicy(store=store, fulfilment_mode="pickup", minutes=30),
                SlaPolicy(store=store, fulfilment_mode="delivery", minutes=45),
                SlaPolicy(store=store, fulfilment_mode="ship", minutes=240),
            ]
        )
        policies += 3
        if i < 2:
            queued += _queue(ctx, store, now, place_routed_order, LineRequest, mark_paid)
        ctx.progress.advance(task)
    ctx.truth["fulfilment"] = {"couriers": couriers, "sla_policies": policies, "queued": queued}


def _queue(ctx: SeedContext, store: Any, now: dt.datetime, place: Any, line: Any, paid: Any) -> int:
    skus = _candidate_skus(store)
    if not skus:
        return 0
    rng = ctx.rng
    made = 0
    for k in range(12):
        start = now + dt.timedelta(minutes=rng.choice([0, 30, 60, 90]))
        try:
            [order] = place(
                store=store,
                channel="online",
                fulfilment_mode="delivery",
                lines=[line(rng.choice(skus), rng.randint(1, 3))],
                reference=f"demo-delivery-{store.code}-{k}",
                latitude=store.latitude + rng.uniform(-0.03, 0.03),
                longitude=store.longitude + rng.uniform(-0.03, 0.03),
                window=(start, start + dt.timedelta(minutes=rng.choice([60, 90, 120]))),
            )
            paid(order, note="demo")
            made += 1
        except DomainError:
            continue  # not sellable online or out of stock here: the queue is a sample
    return made
