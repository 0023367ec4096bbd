"""Read models of inventory: always filtered by the caller's locations, never inside atomic()
(on SQLite an atomic block takes the write lock)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum

from omniretail.core import clock
from omniretail.core.models import Location

from .models import Alert, Movement, MovementKind, StockBatch, StockLevel


@dataclass(frozen=True)
class WhereRow:
    location_id: int
    location_code: str
    location_name: str
    kind: str
    store_id: int | None
    on_hand: int
    reserved: int
    available: int
    distance_km: float | None


def _expired_map(sku_ids: list[int] | None, location_ids: frozenset[int], today: dt.date) -> dict:
    qs = StockBatch.objects.filter(
        location_id__in=location_ids, on_hand__gt=0, batch__expiry_date__lt=today
    )
    if sku_ids is not None:
        qs = qs.filter(sku_id__in=sku_ids)
    return {
        (r["sku_id"], r["location_id"]): r["q"]
        for r in qs.values("sku_id", "location_id").annotate(q=Sum("on_hand"))
    }


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def where_is(
    sku_id: int,
    location_ids: frozenset[int],
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    only_available: bool = False,
) -> list[WhereRow]:
    """Every location in scope holding the SKU; nearest first when a point is given."""
    today = clock.today()
    levels = StockLevel.objects.filter(sku_id=sku_id, location_id__in=location_ids).values_list(
        "location_id",
        "on_hand",
        "reserved",
        "safety_buffer",
        "location__code",
        "location__name",
        "location__kind",
        "location__store_id",
        "location__latitude",
        "location__longitude",
    )
    expired = _expired_map([sku_id], location_ids, today)
    point = latitude is not None and longitude is not None
    rows = []
    for loc_id, on_hand, reserved, buffer, code, name, kind, store_id, lat, lng in levels:
        avail = max(on_hand - expired.get((sku_id, loc_id), 0) - reserved - buffer, 0)
        if only_available and avail <= 0:
            continue
        dist = None
        if point and lat is not None and lng is not None:
            dist = round(haversine_km(latitude, longitude, lat, lng), 2)  # type: ignore[arg-type]
        rows.append(WhereRow(loc_id, code, name, kind, store_id, on_hand, reserved, avail, dist))
    rows.sort(key=lambda r: (r.distance_km is None, r.distance_km or 0, r.location_code))
    return rows


def stock_levels(
    location_ids: frozenset[int],
    *,
    location_id: int | None = None,
    sku_id: int | None = None,
    category_id: int | None = None,
    q: str | None = None,
    low_only: bool = False,
) -> QuerySet[StockLevel]:
    qs = StockLevel.objects.filter(location_id__in=location_ids).select_related("sku", "location")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if sku_id is not None:
        qs = qs.filter(sku_id=sku_id)
    if category_id is not None:
        qs = qs.filter(sku__product__category_id=category_id)
    if q:
        # The catalog's token index (name, pinyin, initials, code, barcode), not a LIKE scan.
        from omniretail.catalog.search import search_sku_ids

        qs = qs.filter(sku_id__in=search_sku_ids(q[:40], limit=200))
    if low_only:
        from django.db.models import F

        qs = qs.filter(reorder_point__isnull=False, on_hand__lte=F("reorder_point"))
    return qs


def stock_card(sku_id: int, location_id: int) -> QuerySet[Movement]:
    """Movement history of one SKU at one location, newest first."""
    return Movement.objects.filter(sku_id=sku_id, location_id=location_id).select_related("batch")


def days_of_cover(sku_id: int, location_id: int, window_days: int = 28) -> float | None:
    """On hand ÷ average daily sales over the window; None when nothing sold."""
    since = clock.now() - dt.timedelta(days=window_days)
    sold = (
        Movement.objects.filter(
            sku_id=sku_id, location_id=location_id, kind=MovementKind.SALE, at__gte=since
        ).aggregate(s=Sum("quantity"))["s"]
        or 0
    )
    level = StockLevel.objects.filter(sku_id=sku_id, location_id=location_id).first()
    if not sold or level is None:
        return None
    return round(level.on_hand / (-sold / window_days), 1)


def valuation(location_ids: frozenset[int], by: str = "location") -> list[dict[str, Any]]:
    """Inventory value (fen) and units by location or by category."""
    key = {
        "location": ("location_id", "location__code", "location__name"),
        "category": (
            "sku__product__category_id",
            "sku__product__category__code",
            "sku__product__category__name",
        ),
    }[by]
    rows = (
        StockLevel.objects.filter(location_id__in=location_ids)
        .values(*key)
        .annotate(units=Sum("on_hand"), value_fen=Sum("value_fen"))
        .order_by(key[1])
    )
    return [
        {
            "id": r[key[0]],
            "code": r[key[1]],
            "name": r[key[2]],
            "units": r["units"] or 0,
            "value_fen": r["value_fen"] or 0,
        }
        for r in rows
    ]


def alerts(location_ids: frozenset[int], *, open_only: bool = True) -> QuerySet[Alert]:
    qs = Alert.objects.filter(location_id__in=location_ids).select_related(
        "sku", "location", "batch"
    )
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return qs


def assortment_sku_ids(store_id: int, *, after: int = 0, limit: int = 500) -> list[int]:
    """The SKUs a store carries — the stock rows on its sales floor — in id order after
    ``after``: one range read of the (location, SKU) index per page."""
    from omniretail.core.models import LocationKind

    floors = Location.objects.filter(store_id=store_id, kind=LocationKind.STORE_FLOOR).values("pk")
    return list(
        StockLevel.objects.filter(location_id__in=floors, sku_id__gt=after)
        .order_by("location_id", "sku_id")
        .values_list("sku_id", flat=True)[: max(1, min(limit, 5000))]
    )
