"""Store assortments and their stock for the large-catalog seed (issue #12).

Every scale store carries an assortment of 3,000–15,000 SKUs (flagships 15,000, tobacco &
liquor 4,000–8,000, convenience 3,000–5,000): the chain's 2,000 core SKUs plus a contiguous
slice of the long tail that differs per store. The assortment *is* the set of stock rows on the
store's sales floor, written exactly as a goods receipt would write them — one RECEIPT
``Movement``, its default-lot ``StockBatch`` and the ``StockLevel`` with the same quantity and
value — so ``check-invariants`` holds on the large seed. Every 20th store also gets POS price
overrides for part of its assortment.
"""

from __future__ import annotations

from typing import Any

from omniretail.catalog import bulkload
from omniretail.catalog.models import PriceEntry, Sku
from omniretail.catalog.scale_seed import (
    OVERRIDE_EVERY,
    SCALE_ORDER,
    SKU_PREFIX,
    assortment_size,
    store_overrides,
    targets,
)
from omniretail.core import clock
from omniretail.core.models import Location, LocationKind, Store
from omniretail.core.seeding import SeedContext, seed_step

from .models import DEFAULT_LOT, Batch, Movement, MovementKind, StockBatch, StockLevel

CORE_RANGE = 2000
REFERENCE = "OPENING-SCALE"


def unit_cost_fen(sku_id: int) -> int:
    """A stable moving-average cost per SKU (no float, no table lookup)."""
    return 100 + (sku_id * 7919) % 40_000


def _scale_sku_range(ctx: SeedContext) -> range:
    bounds = ctx.objects.get("scale_sku_ids")
    if bounds:
        return range(*bounds)
    ids = (
        Sku.objects.filter(code__startswith=SKU_PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    first, last = ids.first(), ids.last()
    return range(first, last + 1) if first else range(0)


def store_assortment(sku_range: range, kind: str, rng: Any) -> list[range]:
    """The store's SKUs as at most two contiguous id ranges: the core range and a tail slice."""
    total = len(sku_range)
    size = min(assortment_size(kind, rng), total)
    core = min(CORE_RANGE, size)
    tail = size - core
    if tail <= 0:
        return [sku_range[:core]]
    offset = rng.randrange(core, total - tail + 1)
    return [sku_range[:core], sku_range[offset : offset + tail]]


@seed_step("scale-stock", order=SCALE_ORDER + 20)
def seed_scale_stock(ctx: SeedContext) -> None:
    goal = targets(ctx)
    if goal is None:
        return
    sku_range = _scale_sku_range(ctx)
    store_ids = ctx.objects.get("scale_store_ids") or []
    if not sku_range or not store_ids:
        ctx.truth.setdefault("scale", {})["stock_rows"] = 0
        return
    rng = ctx.rng
    now = clock.now()
    at = bulkload.db_datetime(now)
    floors = dict(
        Location.objects.filter(store_id__in=store_ids, kind=LocationKind.STORE_FLOOR).values_list(
            "store_id", "pk"
        )
    )
    kinds = dict(Store.objects.filter(pk__in=store_ids).values_list("pk", "store_type"))
    # One default lot per scale SKU, ids handed out up front: batch id = base + (sku − first).
    batch_ids = bulkload.next_ids(Batch, len(sku_range))
    bulkload.insert_rows(
        Batch._meta.db_table,
        ("id", "sku_id", "lot_code", "created_at"),
        ((batch_ids[i], sku_id, DEFAULT_LOT, at) for i, sku_id in enumerate(sku_range)),
    )
    bulkload.fix_sequence(Batch)
    first_sku, first_batch = sku_range.start, batch_ids.start
    task = ctx.track("scale: store stock", len(store_ids))
    rows = 0
    overrides = 0
    tables = [m._meta.db_table for m in (Movement, StockBatch, StockLevel)]
    with bulkload.indexes_deferred(*tables):
        for i, store_id in enumerate(store_ids):
            location_id = floors[store_id]
            ranges = store_assortment(sku_range, kinds[store_id], rng)
            movements, batches, levels = [], [], []
            for part in ranges:
                for sku_id in part:
                    qty = rng.randint(1, 48)
                    cost = unit_cost_fen(sku_id)
                    batch_id = first_batch + (sku_id - first_sku)
                    movements.append(
                        (
                            at,
                            MovementKind.RECEIPT.value,
                            "opening stock",
                            REFERENCE,
                            sku_id,
                            location_id,
                            batch_id,
                            qty,
                            cost,
                            qty * cost,
                        )
                    )
                    batches.append((sku_id, location_id, batch_id, qty, False))
                    levels.append((sku_id, location_id, qty, 0, 0, 0, False, False, qty * cost, at))
            bulkload.insert_rows(
                Movement._meta.db_table,
                (
                    "at",
                    "kind",
                    "reason",
                    "reference",
                    "sku_id",
                    "location_id",
                    "batch_id",
                    "quantity",
                    "unit_cost_fen",
                    "value_fen",
                ),
                movements,
            )
            bulkload.insert_rows(
                StockBatch._meta.db_table,
                ("sku_id", "location_id", "batch_id", "on_hand", "allow_negative"),
                batches,
            )
            bulkload.insert_rows(
                StockLevel._meta.db_table,
                (
                    "sku_id",
                    "location_id",
                    "on_hand",
                    "reserved",
                    "safety_buffer",
                    "walk_in_keep",
                    "online_excluded",
                    "allow_negative",
                    "value_fen",
                    "updated_at",
                ),
                levels,
            )
            rows += len(movements)
            if i % OVERRIDE_EVERY == 0:
                tail = list(ranges[-1])
                entries = store_overrides(store_id, tail, rng)
                PriceEntry.objects.bulk_create(entries, batch_size=bulkload.CHUNK)
                overrides += len(entries)
            ctx.progress.advance(task)
    bulkload.fix_sequence(PriceEntry)
    ctx.truth.setdefault("scale", {}).update(
        {"stock_rows": rows, "store_price_overrides": overrides, "stores_stocked": len(store_ids)}
    )
