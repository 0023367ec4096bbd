"""Demo inventory: opening stock everywhere, lots with expiry (some near it), a few count
variances.

Opening stock is written in bulk but as exactly the rows the services would write — one
RECEIPT movement per (SKU, location, lot), its StockBatch and StockLevel with the same sums —
so ``check-invariants`` holds at any scale. Variances go through the count services.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction

from omniretail.core import clock
from omniretail.core.seeding import SeedContext, seed_step

from .models import DEFAULT_LOT, Batch, Movement, MovementKind, StockBatch, StockLevel

CHUNK = 5000

# (sku_id, location_id, quantity, unit_cost_fen, batch_id or None for the default lot)
OpeningRow = tuple[int, int, int, int, int | None]


def bulk_opening_stock(rows: list[OpeningRow], reference: str = "OPENING") -> int:
    """Write opening stock for fresh (SKU, location) pairs; pairs already stocked are skipped
    so a re-run cannot double the stock. Returns the number of movement rows written."""
    now = clock.now()
    sku_ids = sorted({r[0] for r in rows})
    defaults = dict(
        Batch.objects.filter(sku_id__in=sku_ids, lot_code=DEFAULT_LOT).values_list("sku_id", "pk")
    )
    missing = [s for s in sku_ids if s not in defaults]
    Batch.objects.bulk_create(
        [Batch(sku_id=s, lot_code=DEFAULT_LOT, created_at=now) for s in missing],
        ignore_conflicts=True,
        batch_size=CHUNK,
    )
    defaults = dict(
        Batch.objects.filter(sku_id__in=sku_ids, lot_code=DEFAULT_LOT).values_list("sku_id", "pk")
    )
    written = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        pairs = {(r[0], r[1]) for r in chunk}
        locs = {r[1] for r in chunk}
        existing = set(
            StockLevel.objects.filter(
                location_id__in=locs, sku_id__in={r[0] for r in chunk}
            ).values_list("sku_id", "location_id")
        )
        fresh = [r for r in chunk if (r[0], r[1]) not in existing and r[2] > 0]
        levels: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        movements, batches = [], []
        for sku_id, loc_id, qty, cost, batch_id in fresh:
            b = batch_id or defaults[sku_id]
            movements.append(
                Movement(
                    at=now,
                    kind=MovementKind.RECEIPT,
                    reason="opening stock",
                    reference=reference,
                    sku_id=sku_id,
                    location_id=loc_id,
                    batch_id=b,
                    quantity=qty,
                    unit_cost_fen=cost,
                    value_fen=qty * cost,
                )
            )
            batches.append(StockBatch(sku_id=sku_id, location_id=loc_id, batch_id=b, on_hand=qty))
            levels[(sku_id, loc_id)][0] += qty
            levels[(sku_id, loc_id)][1] += qty * cost
        del pairs
        with transaction.atomic():
            Movement.objects.bulk_create(movements, batch_size=CHUNK)
            StockBatch.objects.bulk_create(batches, batch_size=CHUNK)
            StockLevel.objects.bulk_create(
                [
                    StockLevel(sku_id=s, location_id=loc, on_hand=q, value_fen=v, updated_at=now)
                    for (s, loc), (q, v) in levels.items()
                ],
                batch_size=CHUNK,
            )
        written += len(movements)
    return written


def _skus(ctx: SeedContext) -> list[Any]:
    from omniretail.catalog.models import Sku

    skus = ctx.objects.get("skus")
    if skus:
        return list(skus)
    return list(Sku.objects.filter(status="active").order_by("pk"))


@seed_step("inventory", order=40)
def seed_inventory(ctx: SeedContext) -> None:
    from omniretail.core.models import Location

    from . import counts

    skus = _skus(ctx)
    stores = ctx.objects.get("stores", [])
    warehouses = ctx.objects.get("warehouses", [])
    locations = list(
        Location.objects.filter(store__in=stores, kind="store_floor").order_by("pk")
    ) + [w for w in warehouses if isinstance(w, Location)]
    if not skus or not locations:
        ctx.truth["inventory"] = {"skipped": "no skus or locations"}
        return
    rng = ctx.rng
    today = clock.today()
    # Lots for batch-tracked SKUs: one fresh, and for every fifth SKU one near expiry.
    near_expiry: list[str] = []
    lots: dict[int, list[int]] = {}
    now = clock.now()
    tracked = 0
    for sku in skus:
        if not sku.tracks_batches:
            continue
        i = tracked
        tracked += 1
        shelf = sku.shelf_life_days or 365
        specs: list[tuple[str, dt.date | None, int]] = [
            (f"L{today:%y%m}A-{sku.pk}", today - dt.timedelta(days=10), shelf)
        ]
        if i % 5 == 0:
            specs.append((f"L{today:%y%m}N-{sku.pk}", None, 0))
        ids = []
        for code, produced, _shelf in specs:
            expiry = (
                produced + dt.timedelta(days=shelf) if produced else today + dt.timedelta(days=7)
            )
            batch, _ = Batch.objects.get_or_create(
                sku=sku,
                lot_code=code,
                defaults={"production_date": produced, "expiry_date": expiry, "created_at": now},
            )
            ids.append(batch.pk)
            if produced is None:
                near_expiry.append(code)
        lots[sku.pk] = ids
    rows: list[OpeningRow] = []
    for loc in locations:
        is_wh = loc.store_id is None
        for sku in skus:
            qty = rng.randint(40, 400) if is_wh else rng.randint(0, 40)
            if qty == 0:
                continue
            cost = rng.randint(200, 50_000)
            if sku.pk in lots and len(lots[sku.pk]) > 1 and not is_wh:
                near = min(qty, rng.randint(1, 5))
                rows.append((sku.pk, loc.pk, near, cost, lots[sku.pk][1]))
                # a second row for the same pair: the bulk writer sums them into one level
                if qty - near > 0:
                    rows.append((sku.pk, loc.pk, qty - near, cost, lots[sku.pk][0]))
            else:
                rows.append((sku.pk, loc.pk, qty, cost, lots.get(sku.pk, [None])[0]))
    written = bulk_opening_stock(rows)
    # A few cycle counts with variances, approved through the services.
    variances = []
    floors = [loc for loc in locations if loc.store_id is not None][:3]
    for loc in floors:
        stocked = list(
            StockLevel.objects.filter(location=loc, on_hand__gt=2, reserved=0)
            .order_by("pk")
            .values_list("sku_id", "on_hand")[:3]
        )
        if not stocked:
            continue
        c = counts.open_count(location_id=loc.pk, kind="cycle", sku_ids=[s for s, _q in stocked])
        counts.record_scans(c.pk, {s: q - rng.randint(1, 2) for s, q in stocked})
        counts.submit(c.pk)
        counts.approve(c.pk)
        variances.append(c.number)
    from .alerts import scan_near_expiry

    alerts_raised = scan_near_expiry()
    ctx.truth["inventory"] = {
        "movements": written,
        "locations": len(locations),
        "near_expiry_lots": near_expiry,
        "count_variances": variances,
        "near_expiry_alerts": alerts_raised,
    }


from . import scale_seed  # noqa: E402,F401  (registers the large-catalog stock step)
