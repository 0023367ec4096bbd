"""Promotions invariants, checked by ``omniretail check-invariants`` and after every test."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q

from omniretail.core.integrity import invariant

from .models import Coupon


@invariant("promotions.coupon_uses_match_redemptions")
def coupon_uses_match_redemptions() -> Iterator[str]:
    """A coupon's uses never exceed its max and equal its redemptions not reversed."""
    rows = Coupon.objects.annotate(
        live=Count("redemptions", filter=Q(redemptions__reversed_at__isnull=True))
    ).values_list("code", "uses", "max_uses", "live")
    for code, uses, max_uses, live in rows.iterator(chunk_size=5000):
        if uses > max_uses:
            yield f"coupon {code}: {uses} uses > max {max_uses}"
        if uses != live:
            yield f"coupon {code}: {uses} uses ≠ {live} live redemptions"
