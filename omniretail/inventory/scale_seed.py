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

from django.db import connection, transaction

from omniretail.catalog.models import PriceEntry, Sku
from omniretail.catalog.scale_seed import (
    OVERRIDE_EVERY,
    SCALE_ORDER,
    SKU_PREFIX,
    assortment_size,
    store_overrides,
    targets,
)
from omniretail.core import bulkload, clock
from omniretail.core.models import Location, LocationKind, Store
from omniretail.core.seeding import SeedContext, seed_step

from .models import DEFAULT_LOT, Batch, Movement, MovementKind, StockBatch, StockLevel

CORE_RANGE = 2000
REFERENCE = "OPENING-SCALE"


def _assortment_rows(location_id: int, ranges: list[range], seed: int) -> str:
    """The store's SKUs with an opening quantity (1–48) and unit cost, as a SELECT the three
    inserts share (``%%`` is the modulo: every statement using it passes parameters). The
    quantity is a hash of (SKU, location, seed) computed by the database:
    generating 5.7 million rows in Python and binding them back cost minutes; the same seed
    still gives the same stock."""
    within = " OR ".join(f"id BETWEEN {r.start} AND {r.stop - 1}" for r in ranges if r)
    # Every interpolated value is an int computed here, never input.
    return (
        f"SELECT id, 1 + ((id * 2654435761 + {location_id * 40503 + seed}) %% 1000003) %% 48 AS q, "  # noqa: S608
        f"100 + (id * 7919) %% 40000 AS c FROM {Sku._meta.db_table} WHERE {within}"
    )


def _stock_store(
    location_id: int, ranges: list[range], batch_offset: int, seed: int, at: Any
) -> int:
    """Opening stock of one store as a goods receipt writes it — one RECEIPT movement, the
    default-lot stock batch and the stock level per SKU — in one transaction, rows generated
    by the database from the SKU table (``INSERT … SELECT``) on SQLite and PostgreSQL alike."""
    if not any(ranges):
        return 0
    rows = _assortment_rows(location_id, ranges, seed)
    movement, batch, level = (m._meta.db_table for m in (Movement, StockBatch, StockLevel))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {movement} (at, kind, reason, reference, sku_id, location_id, "  # noqa: S608
            "batch_id, quantity, unit_cost_fen, value_fen) "
            f"SELECT %s, %s, %s, %s, id, {location_id}, id + {batch_offset}, q, c, q * c "
            f"FROM ({rows}) a ORDER BY id",
            [at, MovementKind.RECEIPT.value, "opening stock", REFERENCE],
        )
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {batch} (sku_id, location_id, batch_id, on_hand, allow_negative) "  # noqa: S608
            f"SELECT id, {location_id}, id + {batch_offset}, q, %s FROM ({rows}) a ORDER BY id",
            [False],
        )
        cursor.execute(
            f"INSERT INTO {level} (sku_id, location_id, on_hand, reserved, safety_buffer, "  # noqa: S608
            "walk_in_keep, online_excluded, allow_negative, value_fen, updated_at) "
            f"SELECT id, {location_id}, q, 0, 0, 0, false, false, q * c, %s "
            f"FROM ({rows}) a ORDER BY id",
            [at],
        )
    return int(written)


def _scale_sku_range(ctx: SeedContext) -> range:
    bounds = ctx.objects.get("scale_sku_ids")
    if bounds:
        return range(*bounds)
    ids = (
        Sku.objects.filter(code__startswith=SKU_PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    first, last = ids.first(), ids.last()
    return range(0) if first is None or last is None else range(first, last + 1)


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
    batch_offset = batch_ids.start - sku_range.start
    task = ctx.track("scale: store stock", len(store_ids))
    rows = 0
    overrides = 0
    tables = [m._meta.db_table for m in (Movement, StockBatch, StockLevel)]
    with bulkload.indexes_deferred(*tables):
        for i, store_id in enumerate(store_ids):
            ranges = store_assortment(sku_range, kinds[store_id], rng)
            rows += _stock_store(floors[store_id], ranges, batch_offset, ctx.seed, at)
            if i % OVERRIDE_EVERY == 0:
                overrides += store_overrides(store_id, list(ranges[-1]), rng)
            ctx.progress.advance(task)
    bulkload.fix_sequence(PriceEntry)
    ctx.truth.setdefault("scale", {}).update(
        {"stock_rows": rows, "store_price_overrides": overrides, "stores_stocked": len(store_ids)}
    )
