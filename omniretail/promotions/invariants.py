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


@invariant("promotions.flash_claimed_matches_claims")
def flash_claimed_matches_claims() -> Iterator[str]:
    """A flash sale's claimed counter equals its claims not released, within its quantity."""
    from .models import FlashSaleClaim, FlashSaleCounter

    live: dict[int, int] = {}
    for pid, qty in FlashSaleClaim.objects.filter(released_at__isnull=True).values_list(
        "promotion_id", "quantity"
    ):
        live[pid] = live.get(pid, 0) + qty
    for pid, claimed, quantity in FlashSaleCounter.objects.values_list(
        "promotion_id", "claimed", "quantity"
    ):
        if claimed != live.get(pid, 0):
            yield f"flash sale {pid}: counter {claimed} ≠ {live.get(pid, 0)} claimed units"
        if quantity is not None and claimed > quantity:
            yield f"flash sale {pid}: {claimed} claimed > quantity {quantity}"


@invariant("promotions.campaign_coupons_only_to_treatment")
def campaign_coupons_only_to_treatment() -> Iterator[str]:
    """Campaign coupons go to treatment members only: the control group stays untouched."""
    from .models import CampaignGroup, CampaignMember

    control = CampaignMember.objects.filter(group=CampaignGroup.CONTROL)
    leaks = Coupon.objects.filter(
        campaign__isnull=False,
        member_id__in=control.values("member_id"),
        campaign_id__in=control.values("campaign_id"),
    ).values_list("code", "campaign_id", "member_id")
    pairs = set(control.values_list("campaign_id", "member_id"))
    for code, campaign_id, member_id in leaks.iterator(chunk_size=5000):
        if (campaign_id, member_id) in pairs:
            yield f"coupon {code}: issued to control member {member_id} of campaign {campaign_id}"
