"""The promotion calendar: a month grid of the promotions live each day, with conflicts.

Two promotions conflict on a day when both are live and share an exclusive group — only one
of them can price a cart, so the marketer should see which one wins (higher priority, or the
larger discount when the group is best-for-customer) — or when two non-stackable promotions
are live together (the first by priority locks the lines the second wanted).
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from omniretail.core import clock

from .models import Promotion, Status


@dataclass
class DayCell:
    day: dt.date
    in_month: bool
    promotions: list[Promotion] = field(default_factory=list)
    conflicts: list[tuple[str, list[str]]] = field(default_factory=list)  # (why, codes)


def _live_on(p: Promotion, start: dt.datetime, end: dt.datetime) -> bool:
    if p.starts_at >= end or (p.ends_at is not None and p.ends_at <= start):
        return False
    if p.weekdays:
        return timezone.localtime(start).isoweekday() in p.weekdays
    return True


def conflicts_of(live: list[Promotion]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    groups: dict[str, list[Promotion]] = {}
    for p in live:
        if p.exclusive_group:
            groups.setdefault(p.exclusive_group, []).append(p)
    for group, members in sorted(groups.items()):
        if len(members) > 1:
            out.append((f"group:{group}", [p.code for p in members]))
    solo = [p.code for p in live if not p.stackable]
    if len(solo) > 1:
        out.append(("non_stackable", solo))
    return out


def month_grid(brand_ids: set[int], year: int, month: int) -> list[list[DayCell]]:
    """Weeks (Monday first) of the month, each day with its live promotions and conflicts."""
    weeks = pycal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    span_start = clock.business_day_bounds(first)[0]
    span_end = clock.business_day_bounds(last)[1]
    rows = list(
        Promotion.objects.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=span_start),
            brand_id__in=brand_ids,
            starts_at__lt=span_end,
        )
        .exclude(status=Status.ENDED)
        .order_by("-priority", "pk")[:500]
    )
    grid = []
    for week in weeks:
        cells = []
        for day in week:
            start, end = clock.business_day_bounds(day)
            live = [p for p in rows if _live_on(p, start, end)]
            cells.append(DayCell(day, day.month == month, live, conflicts_of(live)))
        grid.append(cells)
    return grid


def parse_month(raw: Any) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); anything else → the current business month."""
    try:
        year, month = (int(x) for x in str(raw).split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    today = clock.today()
    return today.year, today.month
