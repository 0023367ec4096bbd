"""Read-only facts about what members bought, for segments (spend rules) and campaign results.

Orders publish no selector for per-member spend yet, so these reads query ``orders.Order``
directly and never write; when orders adds one, only this module changes. An order counts
once it is paid (or further along), not when it was cancelled, refunded or never paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

UNCOUNTED = ("created", "awaiting_payment", "cancelled", "refunded")


@dataclass(frozen=True)
class OrderFact:
    number: str
    member_id: int
    total: Decimal
    created_at: dt.datetime

    @property
    def day(self) -> dt.date:
        return timezone.localtime(self.created_at).date()


def counted_orders(brand_id: int, member_ids: Any, since: dt.datetime, until: dt.datetime) -> Any:
    """Queryset of counted orders of ``member_ids`` (a list or a values() subquery) in
    [since, until); usable as a subquery (``.values("number")``)."""
    from omniretail.orders.models import Order

    return Order.objects.filter(
        store__brand_id=brand_id,
        member_id__in=member_ids,
        created_at__gte=since,
        created_at__lt=until,
    ).exclude(status__in=UNCOUNTED)


def member_orders(
    brand_id: int, member_ids: Any, since: dt.datetime, until: dt.datetime
) -> list[OrderFact]:
    rows = (
        counted_orders(brand_id, member_ids, since, until)
        .order_by("created_at", "pk")
        .values_list("number", "member_id", "total", "created_at")
    )
    return [OrderFact(n, m, t, c) for n, m, t, c in rows.iterator(chunk_size=5000)]


def spend_by_member(
    brand_id: int, since: dt.datetime, until: dt.datetime, member_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    from omniretail.orders.models import Order

    qs = Order.objects.filter(
        store__brand_id=brand_id,
        member_id__isnull=False,
        created_at__gte=since,
        created_at__lt=until,
    ).exclude(status__in=UNCOUNTED)
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    out: dict[int, Decimal] = {}
    for member_id, total in qs.values_list("member_id", "total").iterator(chunk_size=5000):
        out[member_id] = out.get(member_id, Decimal("0.00")) + total
    return out
