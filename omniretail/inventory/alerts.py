"""Stock alerts: low stock, overstock, near expiry and oversell attempts.

An alert is raised once while its condition holds (an open alert of the same kind for the same
SKU × location suppresses duplicates) and is published to the outbox so other domains
(replenishment, notifications) can react.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.catalog.models import Category
from omniretail.core import clock, events

from .models import Alert, AlertKind, Batch, StockBatch, StockLevel

DEFAULT_NEAR_EXPIRY_DAYS = 30


def _raise(kind: str, level: StockLevel, message: str, batch: Batch | None = None) -> Alert | None:
    open_alerts = Alert.objects.filter(
        kind=kind, sku_id=level.sku_id, location_id=level.location_id, resolved_at__isnull=True
    )
    if batch is not None:
        open_alerts = open_alerts.filter(batch=batch)
    if open_alerts.exists():
        return None
    alert = Alert.objects.create(
        kind=kind,
        sku_id=level.sku_id,
        location_id=level.location_id,
        batch=batch,
        message=message[:300],
        created_at=clock.now(),
    )
    events.publish(
        f"inventory.{kind}",
        {
            "alert_id": alert.pk,
            "sku_id": level.sku_id,
            "location_id": level.location_id,
            "batch_id": batch.pk if batch else None,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
        },
        aggregate_type="inventory.stock_level",
        aggregate_id=level.pk,
    )
    return alert


def _resolve(kind: str, level: StockLevel) -> None:
    Alert.objects.filter(
        kind=kind, sku_id=level.sku_id, location_id=level.location_id, resolved_at__isnull=True
    ).update(resolved_at=clock.now())


def evaluate_level(level: StockLevel) -> None:
    """Raise or clear min/max alerts for a level; call inside the movement's transaction."""
    low_mark = level.reorder_point if level.reorder_point is not None else level.min_qty
    if low_mark is not None:
        if level.on_hand <= low_mark:
            _raise(
                AlertKind.LOW_STOCK,
                level,
                _("On hand %(on_hand)s is at or below the reorder point %(mark)s.")
                % {"on_hand": level.on_hand, "mark": low_mark},
            )
        else:
            _resolve(AlertKind.LOW_STOCK, level)
    if level.max_qty is not None:
        if level.on_hand > level.max_qty:
            _raise(
                AlertKind.OVERSTOCK,
                level,
                _("On hand %(on_hand)s is above the maximum %(mark)s.")
                % {"on_hand": level.on_hand, "mark": level.max_qty},
            )
        else:
            _resolve(AlertKind.OVERSTOCK, level)


def record_oversell_attempt(sku_id: int, location_id: int, requested: int) -> None:
    """Runs after the refused operation rolled back, in its own short transaction."""
    level = StockLevel.objects.filter(sku_id=sku_id, location_id=location_id).first()
    if level is None:
        return
    if Alert.objects.filter(
        kind=AlertKind.NEGATIVE_ATTEMPT,
        sku_id=sku_id,
        location_id=location_id,
        resolved_at__isnull=True,
    ).exists():
        return
    with transaction.atomic():
        _raise(
            AlertKind.NEGATIVE_ATTEMPT,
            level,
            _("Refused a request for %(n)s units beyond what is available.") % {"n": requested},
        )


def near_expiry_days(category: Category | None) -> int:
    """Lead days of the nearest category up the tree that sets them."""
    seen = 0
    while category is not None and seen < 50:
        if category.near_expiry_days is not None:
            return int(category.near_expiry_days)
        category = category.parent
        seen += 1
    return DEFAULT_NEAR_EXPIRY_DAYS


def scan_near_expiry(today: dt.date | None = None) -> int:
    """Raise a near-expiry alert for every stocked batch inside its category's lead time."""
    today = today or clock.today()
    horizon = today + dt.timedelta(days=400)
    rows = (
        StockBatch.objects.filter(
            on_hand__gt=0, batch__expiry_date__isnull=False, batch__expiry_date__lte=horizon
        )
        .select_related("batch", "sku__product__category__parent__parent")
        .order_by("pk")
    )
    raised = 0
    lead_cache: dict[int, int] = {}
    for sb in rows:
        category = sb.sku.product.category
        if category.pk not in lead_cache:
            lead_cache[category.pk] = near_expiry_days(category)
        expiry = sb.batch.expiry_date
        assert expiry is not None
        if expiry - today > dt.timedelta(days=lead_cache[category.pk]):
            continue
        level = StockLevel.objects.filter(sku_id=sb.sku_id, location_id=sb.location_id).first()
        if level is None:
            continue
        with transaction.atomic():
            if _raise(
                AlertKind.NEAR_EXPIRY,
                level,
                _("Lot %(lot)s (%(qty)s units) expires on %(date)s.")
                % {"lot": sb.batch.lot_code, "qty": sb.on_hand, "date": expiry.isoformat()},
                batch=sb.batch,
            ):
                raised += 1
    return raised
