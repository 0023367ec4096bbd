"""Campaign results: reach, redemptions, revenue, incremental sales against the holdout, cost
and ROI — computed from real orders and promotions' own applied-discount and redemption rows.

Incrementality compares spend per member (every member of a group counts, buyers or not):

    lift % = (spend per treatment member − spend per control member) / spend per control member
    incremental revenue = (spend per treatment member − spend per control member) × treatment size
    cost = discounts the campaign's promotions and coupons gave treatment members in the window
    ROI = (incremental revenue − cost) / cost

The window runs from the later of start and launch to the earlier of end and now: orders
placed before the groups existed cannot have been caused by the campaign.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from omniretail.core import clock
from omniretail.core.money import quantize

from . import sales_facts
from .models import AppliedDiscount, Campaign, CampaignGroup, CampaignMember, CouponRedemption

ZERO = Decimal("0.00")


@dataclass
class GroupStats:
    members: int
    buyers: int
    orders: int
    revenue: Decimal
    spend_per_member: Decimal
    conversion_pct: Decimal


@dataclass
class CampaignResults:
    campaign_id: int
    window_start: dt.datetime
    window_end: dt.datetime
    treatment: GroupStats
    control: GroupStats
    reach: int
    coupons_issued: int
    coupon_redemptions: int
    promotion_orders: int
    redemptions: int
    revenue: Decimal
    lift_pct: Decimal | None
    incremental_revenue: Decimal
    cost: Decimal
    roi: Decimal | None
    budget: Decimal
    budget_used_pct: Decimal | None
    daily: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"))


def _group(members: int, facts: list[sales_facts.OrderFact]) -> GroupStats:
    revenue = sum((f.total for f in facts), ZERO)
    buyers = len({f.member_id for f in facts})
    return GroupStats(
        members=members,
        buyers=buyers,
        orders=len(facts),
        revenue=quantize(revenue),
        spend_per_member=quantize(revenue / members) if members else ZERO,
        conversion_pct=_pct(Decimal(buyers), Decimal(members)) or ZERO,
    )


def window(campaign: Campaign, at: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    at = at or clock.now()
    start = max(campaign.starts_at, campaign.launched_at or campaign.starts_at)
    end = min(campaign.ends_at, at)
    return start, max(start, end)


def results(campaign: Campaign, at: dt.datetime | None = None) -> CampaignResults:
    start, end = window(campaign, at)
    by_group: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    for group in (CampaignGroup.TREATMENT, CampaignGroup.CONTROL):
        ids = CampaignMember.objects.filter(campaign=campaign, group=group).values("member_id")
        sizes[group] = CampaignMember.objects.filter(campaign=campaign, group=group).count()
        by_group[group] = sales_facts.member_orders(campaign.brand_id, ids, start, end)
    t_facts, c_facts = by_group[CampaignGroup.TREATMENT], by_group[CampaignGroup.CONTROL]
    treatment = _group(sizes[CampaignGroup.TREATMENT], t_facts)
    control = _group(sizes[CampaignGroup.CONTROL], c_facts)

    t_ids = CampaignMember.objects.filter(campaign=campaign, group=CampaignGroup.TREATMENT)
    order_refs = sales_facts.counted_orders(
        campaign.brand_id, t_ids.values("member_id"), start, end
    ).values("number")
    promo_ids = list(campaign.promotions.values_list("pk", flat=True))
    applied = AppliedDiscount.objects.filter(
        Q(promotion_id__in=promo_ids) | Q(coupon__campaign=campaign),
        brand_id=campaign.brand_id,
        order_ref__in=order_refs,
    ).values_list("order_ref", "promotion_id", "amount")
    cost = ZERO
    promo_orders: set[str] = set()
    for ref, promotion_id, amount in applied:
        cost += amount
        if promotion_id is not None:
            promo_orders.add(ref)
    redemptions = CouponRedemption.objects.filter(
        coupon__campaign=campaign,
        reversed_at__isnull=True,
        redeemed_at__gte=start,
        redeemed_at__lt=end,
    ).values_list("reference", "amount")
    coupon_redemptions = 0
    applied_refs = {f.number for f in t_facts}
    for ref, amount in redemptions:
        coupon_redemptions += 1
        if ref not in applied_refs:  # redeemed elsewhere (third-party till): its own amount
            cost += amount
    cost = quantize(cost)

    diff = treatment.spend_per_member - control.spend_per_member
    incremental = quantize(diff * treatment.members) if control.members else ZERO
    lift = _pct(diff, control.spend_per_member) if control.members else None
    roi = ((incremental - cost) / cost).quantize(Decimal("0.01")) if cost else None
    return CampaignResults(
        campaign_id=campaign.pk,
        window_start=start,
        window_end=end,
        treatment=treatment,
        control=control,
        reach=treatment.members,
        coupons_issued=campaign.coupons.count(),
        coupon_redemptions=coupon_redemptions,
        promotion_orders=len(promo_orders),
        redemptions=coupon_redemptions + len(promo_orders),
        revenue=treatment.revenue,
        lift_pct=lift,
        incremental_revenue=incremental,
        cost=cost,
        roi=roi,
        budget=campaign.budget,
        budget_used_pct=_pct(cost, campaign.budget),
        daily=_daily(t_facts, c_facts, treatment.members, control.members),
    )


def _daily(
    t_facts: list[sales_facts.OrderFact],
    c_facts: list[sales_facts.OrderFact],
    t_members: int,
    c_members: int,
) -> list[dict[str, Any]]:
    """Cumulative spend per member by business day, treatment against control."""
    per_day: dict[dt.date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for f in t_facts:
        per_day[f.day][0] += f.total
    for f in c_facts:
        per_day[f.day][1] += f.total
    out = []
    cum_t = cum_c = ZERO
    for day in sorted(per_day):
        cum_t += per_day[day][0]
        cum_c += per_day[day][1]
        out.append(
            {
                "day": day.isoformat(),
                "treatment": quantize(cum_t / t_members) if t_members else ZERO,
                "control": quantize(cum_c / c_members) if c_members else ZERO,
            }
        )
    return out
