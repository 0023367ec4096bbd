"""The ledger core: write one movement and keep the projections equal to the ledger.

Callers hold a transaction and have locked the ``StockLevel`` row (``lock_levels``, pk order).
``post`` then writes the ``Movement``, the ``StockBatch`` on hand and the level's on hand and
moving-average value in that same transaction, so a failure anywhere leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from omniretail.catalog.models import Sku
from omniretail.core import clock
from omniretail.core.context import current_actor
from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.core.models import Location

from .errors import InventoryError
from .models import DEFAULT_LOT, AppliedOperation, Batch, Movement, StockBatch, StockLevel


def check_quantity(quantity: Any, *, allow_zero: bool = False) -> int:
    """Quantities are whole units: refuse floats with fractions, bools, negatives."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        else:
            raise ValidationFailed(
                InventoryError.INVALID_QUANTITY,
                _("Quantities are whole units."),
                {"quantity": str(quantity)},
            )
    if quantity < 0 or (quantity == 0 and not allow_zero) or quantity > 10**9:
        raise ValidationFailed(
            InventoryError.INVALID_QUANTITY,
            _("The quantity must be a positive whole number."),
            {"quantity": quantity},
        )
    return quantity


def get_sku(sku_id: int) -> Sku:
    sku = Sku.objects.filter(pk=sku_id).first()
    if sku is None:
        raise NotFound(_("SKU"), {"sku_id": sku_id}, code=InventoryError.UNKNOWN_SKU)
    return sku


def get_skus(sku_ids: Iterable[int]) -> dict[int, Sku]:
    """Several SKUs in one query; 404 naming the first unknown one."""
    wanted = list(dict.fromkeys(sku_ids))
    found = {sku.pk: sku for sku in Sku.objects.filter(pk__in=wanted)}
    for sku_id in wanted:
        if sku_id not in found:
            raise NotFound(_("SKU"), {"sku_id": sku_id}, code=InventoryError.UNKNOWN_SKU)
    return found


def get_location(location_id: int, allowed: Iterable[int] | None = None) -> Location:
    """The location, or 404 when it does not exist or is outside the caller's scope."""
    if allowed is not None and location_id not in set(allowed):
        raise NotFound(
            _("location"), {"location_id": location_id}, code=InventoryError.UNKNOWN_LOCATION
        )
    location = Location.objects.filter(pk=location_id, is_active=True).first()
    if location is None:
        raise NotFound(
            _("location"), {"location_id": location_id}, code=InventoryError.UNKNOWN_LOCATION
        )
    return location


def default_batch(sku_id: int) -> Batch:
    batch, _created = Batch.objects.get_or_create(
        sku_id=sku_id, lot_code=DEFAULT_LOT, defaults={"created_at": clock.now()}
    )
    return batch


def get_or_create_batch(
    sku: Sku,
    lot_code: str | None,
    production_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
) -> Batch:
    """The lot to receive into; batch-tracked SKUs must name one, and a known lot must not be
    given other dates."""
    if not lot_code:
        if sku.tracks_batches:
            raise ValidationFailed(
                InventoryError.BATCH_REQUIRED, _("This SKU is tracked by batch; give a lot code.")
            )
        return default_batch(sku.pk)
    if production_date and expiry_date and expiry_date < production_date:
        raise ValidationFailed(
            InventoryError.INVALID_QUANTITY, _("The expiry date is before the production date.")
        )
    batch = Batch.objects.filter(sku=sku, lot_code=lot_code).first()
    if batch is None:
        if expiry_date is None and sku.shelf_life_days and production_date:
            expiry_date = production_date + dt.timedelta(days=sku.shelf_life_days)
        return Batch.objects.create(
            sku=sku,
            lot_code=lot_code,
            production_date=production_date,
            expiry_date=expiry_date,
            created_at=clock.now(),
        )
    if (expiry_date and batch.expiry_date != expiry_date) or (
        production_date and batch.production_date != production_date
    ):
        raise Conflict(
            InventoryError.BATCH_MISMATCH,
            _("This lot is already known with other dates."),
            {"lot_code": lot_code},
        )
    return batch


def lock_levels(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Create missing levels, then lock all of them in pk order (no deadlock between two
    operations touching the same pair of rows)."""
    keys = sorted(set(keys))
    now = clock.now()
    q = Q()
    for sku_id, location_id in keys:
        q |= Q(sku_id=sku_id, location_id=location_id)
    existing = set(StockLevel.objects.filter(q).values_list("sku_id", "location_id"))
    for sku_id, location_id in keys:
        if (sku_id, location_id) not in existing:
            try:
                with transaction.atomic():
                    StockLevel.objects.create(
                        sku_id=sku_id, location_id=location_id, updated_at=now
                    )
            except IntegrityError:
                pass  # created concurrently
    levels = list(StockLevel.objects.select_for_update().filter(q).order_by("pk"))
    return {(lv.sku_id, lv.location_id): lv for lv in levels}


def claim_operation(key: str, kind: str) -> bool:
    """Record a client reference; False when it was applied before (the retry is a no-op)."""
    try:
        with transaction.atomic():
            AppliedOperation.objects.create(key=key[:150], kind=kind, created_at=clock.now())
    except IntegrityError:
        return False
    return True


def claim_operations(keys: Iterable[str], kind: str) -> set[str]:
    """``claim_operation`` for several references at once (a till basket): the keys claimed
    now; the others were applied before. One look-up and one insert in the common case; a
    concurrent claim of the same key falls back to claiming one by one."""
    fresh = list(dict.fromkeys(key[:150] for key in keys))
    seen = set(AppliedOperation.objects.filter(key__in=fresh).values_list("key", flat=True))
    fresh = [key for key in fresh if key not in seen]
    if not fresh:
        return set()
    now = clock.now()
    try:
        with transaction.atomic():
            AppliedOperation.objects.bulk_create(
                [AppliedOperation(key=key, kind=kind, created_at=now) for key in fresh]
            )
    except IntegrityError:
        return {key for key in fresh if claim_operation(key, kind)}
    return set(fresh)


def sellable_batches_by_sku(
    sku_ids: Iterable[int], location_id: int, today: dt.date
) -> dict[int, list[StockBatch]]:
    """``sellable_batches`` for several SKUs at one location in one query."""
    by_sku: dict[int, list[StockBatch]] = {}
    rows = (
        StockBatch.objects.filter(sku_id__in=set(sku_ids), location_id=location_id, on_hand__gt=0)
        .filter(Q(batch__expiry_date__isnull=True) | Q(batch__expiry_date__gte=today))
        .select_related("batch")
        .order_by("sku_id", F("batch__expiry_date").asc(nulls_last=True), "batch_id")
    )
    for row in rows:
        by_sku.setdefault(row.sku_id, []).append(row)
    return by_sku


def expired_on_hand_by_sku(
    sku_ids: Iterable[int], location_id: int, today: dt.date
) -> dict[int, int]:
    rows = (
        StockBatch.objects.filter(
            sku_id__in=set(sku_ids),
            location_id=location_id,
            on_hand__gt=0,
            batch__expiry_date__lt=today,
        )
        .values("sku_id")
        .annotate(s=Sum("on_hand"))
    )
    return {row["sku_id"]: int(row["s"] or 0) for row in rows}


def sellable_batches(sku_id: int, location_id: int, today: dt.date) -> list[StockBatch]:
    """Batches with stock that may be sold today, first-expiring first (FEFO)."""
    return list(
        StockBatch.objects.filter(sku_id=sku_id, location_id=location_id, on_hand__gt=0)
        .filter(Q(batch__expiry_date__isnull=True) | Q(batch__expiry_date__gte=today))
        .select_related("batch")
        .order_by(F("batch__expiry_date").asc(nulls_last=True), "batch_id")
    )


def expired_on_hand(sku_id: int, location_id: int, today: dt.date) -> int:
    total = StockBatch.objects.filter(
        sku_id=sku_id, location_id=location_id, on_hand__gt=0, batch__expiry_date__lt=today
    ).aggregate(s=Sum("on_hand"))["s"]
    return int(total or 0)


@dataclass(frozen=True)
class Posted:
    movement_id: int
    batch_id: int
    quantity: int
    value_fen: int


def post(
    level: StockLevel,
    batch: Batch,
    quantity: int,
    kind: str,
    *,
    reason: str = "",
    reference: str = "",
    unit_cost_fen: int | None = None,
    value_fen: int | None = None,
    stock_batch: StockBatch | None = None,
) -> Posted:
    """Write one movement of ``quantity`` (signed) and update both projections.

    Incoming units are valued at ``unit_cost_fen`` (or ``value_fen`` for the whole line, or
    the current average); outgoing units take their share of the pooled value, so the pool's
    average cost is unchanged by issues (moving weighted average).
    """
    if quantity == 0:
        raise ValidationFailed(InventoryError.INVALID_QUANTITY, _("Nothing to move."))
    if quantity > 0:
        if value_fen is None:
            cost = level.avg_cost_fen if unit_cost_fen is None else unit_cost_fen
            value_fen = cost * quantity
    else:
        remaining = level.on_hand + quantity
        if level.on_hand <= 0:
            value_fen = 0
        elif remaining <= 0:
            value_fen = -level.value_fen
        else:
            value_fen = -((level.value_fen * -quantity) // level.on_hand)
    unit = abs(value_fen) // abs(quantity)
    sb = stock_batch
    if sb is None:
        sb, _created = StockBatch.objects.get_or_create(
            sku_id=level.sku_id,
            location_id=level.location_id,
            batch=batch,
            defaults={"allow_negative": level.allow_negative},
        )
    StockBatch.objects.filter(pk=sb.pk).update(on_hand=F("on_hand") + quantity)
    sb.on_hand += quantity  # a caller walking batches in memory sees what is left
    level.on_hand += quantity
    level.value_fen += value_fen
    level.updated_at = clock.now()
    level.save(update_fields=["on_hand", "value_fen", "updated_at"])
    movement = Movement.objects.create(
        at=level.updated_at,
        kind=kind,
        reason=reason[:200],
        reference=reference[:100],
        user_id=current_actor().user_id,
        sku_id=level.sku_id,
        location_id=level.location_id,
        batch=batch,
        quantity=quantity,
        unit_cost_fen=unit,
        value_fen=value_fen,
    )
    return Posted(movement.pk, batch.pk, quantity, value_fen)


def issue_fefo(
    level: StockLevel,
    quantity: int,
    kind: str,
    *,
    today: dt.date,
    reason: str = "",
    reference: str = "",
    include_expired: bool = False,
    batches: list[StockBatch] | None = None,
) -> list[Posted]:
    """Take ``quantity`` out of the level's batches, first-expiring first. The caller has
    checked availability; a shortfall is refused unless the location allows negative stock.
    ``batches`` (the level's sellable batches, FEFO order, loaded by the caller for a whole
    basket) saves the look-up; their ``on_hand`` is kept current in memory."""
    if batches is None and include_expired:
        batches = list(
            StockBatch.objects.filter(
                sku_id=level.sku_id, location_id=level.location_id, on_hand__gt=0
            )
            .select_related("batch")
            .order_by(F("batch__expiry_date").asc(nulls_last=True), "batch_id")
        )
    elif batches is None:
        batches = sellable_batches(level.sku_id, level.location_id, today)
    posted: list[Posted] = []
    left = quantity
    for sb in batches:
        if left == 0:
            break
        take = min(left, sb.on_hand)
        if take <= 0:
            continue
        posted.append(
            post(level, sb.batch, -take, kind, reason=reason, reference=reference, stock_batch=sb)
        )
        left -= take
    if left:
        if not level.allow_negative:
            raise Conflict(
                InventoryError.INSUFFICIENT_STOCK,
                _("Not enough sellable stock."),
                {"requested": quantity, "short": left},
            )
        fallback = batches[-1].batch if batches else default_batch(level.sku_id)
        posted.append(post(level, fallback, -left, kind, reason=reason, reference=reference))
    return posted


def ledger_sum(sku_id: int, location_id: int) -> int:
    total = Movement.objects.filter(sku_id=sku_id, location_id=location_id).aggregate(
        s=Sum("quantity")
    )["s"]
    return int(total or 0)
