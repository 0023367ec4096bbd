"""Tiers by rolling 12-month net spend: upgrade the moment the threshold is crossed, downgrade
only at the review date (so a return late in the year does not flip a card overnight)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from omniretail.core import clock, events
from omniretail.core.models import Brand

from . import conf
from .dates import add_months
from .models import Member, MemberStatus, PointsEntry, PointsKind, Tier

DEFAULT_TIERS = [
    # code, name, name_en, rank, threshold CNY, discount bp, points %, birthday gift, free delivery
    ("regular", "普通", "Regular", 0, "0", 0, 100, "", False),
    ("silver", "银卡", "Silver", 1, "2000", 200, 120, "生日双倍积分", False),
    ("gold", "金卡", "Gold", 2, "10000", 500, 150, "生日礼盒", True),
    ("black", "黑卡", "Black", 3, "50000", 800, 200, "生日名酒礼盒", True),
]


def ensure_default_tiers(brand: Brand) -> list[Tier]:
    """The four standard tiers for a brand, created once; edited afterwards in the admin."""
    existing = list(Tier.objects.filter(brand=brand).order_by("rank"))
    if existing:
        return existing
    Tier.objects.bulk_create(
        [
            Tier(
                brand=brand,
                code=code,
                name=name,
                name_en=name_en,
                rank=rank,
                threshold=Decimal(threshold),
                discount_bp=discount,
                points_multiplier_pct=mult,
                birthday_gift=gift,
                free_delivery=free,
            )
            for code, name, name_en, rank, threshold, discount, mult, gift, free in DEFAULT_TIERS
        ],
        ignore_conflicts=True,
    )
    return list(Tier.objects.filter(brand=brand).order_by("rank"))


def entry_tier(brand: Brand) -> Tier:
    return ensure_default_tiers(brand)[0]


def next_review(day: dt.date) -> dt.date:
    return add_months(day, conf.get("TIER_REVIEW_MONTHS"))


def rolling_spend(member: Member, today: dt.date | None = None) -> Decimal:
    """Net spend (earned minus returned) in the review window, including members merged in."""
    today = today or clock.today()
    since = clock.business_day_bounds(add_months(today, -conf.get("TIER_REVIEW_MONTHS")))[0]
    # Member ids first: an OR across a join (member or merged-into) defeats the indexes.
    ids = [member.pk, *Member.objects.filter(merged_into=member).values_list("pk", flat=True)]
    total = (
        PointsEntry.objects.filter(
            member_id__in=ids,
            kind__in=[PointsKind.EARN, PointsKind.REVERSE],
            created_at__gte=since,
            net_amount__isnull=False,
        ).aggregate(s=Sum("net_amount"))["s"]
        or 0
    )
    # Sum() bypasses from_db_value on some backends: normalise fen ints to Decimal.
    return Decimal(total) / 100 if isinstance(total, int) else Decimal(total)


def tier_for_spend(brand_id: int, spend: Decimal) -> Tier:
    tiers = list(Tier.objects.filter(brand_id=brand_id).order_by("-rank"))
    for tier in tiers:
        if spend >= tier.threshold:
            return tier
    return tiers[-1]


def _change(member: Member, tier: Tier, reason: str) -> None:
    old = member.tier
    member.tier = tier
    member.tier_review_on = next_review(clock.today())
    Member.objects.filter(pk=member.pk).update(tier=tier, tier_review_on=member.tier_review_on)
    if old.pk != tier.pk:
        events.publish(
            "members.tier_changed",
            {
                "member_id": member.pk,
                "from": old.code,
                "to": tier.code,
                "reason": reason,
            },
            aggregate_type="member",
            aggregate_id=member.pk,
        )


def upgrade_if_due(member: Member) -> bool:
    """Called inside the earn transaction (member row locked): upgrade at once when the
    rolling spend crosses a higher threshold. Never downgrades."""
    target = tier_for_spend(member.brand_id, rolling_spend(member))
    if target.rank > member.tier.rank:
        _change(member, target, "upgrade")
        return True
    return False


def review_member(member_id: int) -> bool:
    """At the review date: the tier becomes what the rolling spend earns (up or down)."""
    with transaction.atomic():
        member = (
            Member.objects.select_for_update().select_related("tier").filter(pk=member_id).first()
        )
        if member is None or member.status != MemberStatus.ACTIVE:
            return False
        if member.tier_review_on > clock.today():
            return False
        target = tier_for_spend(member.brand_id, rolling_spend(member))
        changed = target.pk != member.tier_id
        _change(member, target, "review")
        return changed


def review_due_tiers(limit: int = 10_000) -> int:
    """The periodic job: review every member whose review date has come; returns changes."""
    due = list(
        Member.objects.filter(
            status=MemberStatus.ACTIVE, tier_review_on__lte=clock.today()
        ).values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if review_member(pk))


def upgrade_many(members: list[Member]) -> int:
    """``upgrade_if_due`` for many locked members with one grouped spend query: only members
    whose window spend reaches a higher tier (or who have members merged into them, whose
    spend counts too) are looked at one by one. Returns the upgrades made."""
    if not members:
        return 0
    since = clock.business_day_bounds(add_months(clock.today(), -conf.get("TIER_REVIEW_MONTHS")))[0]
    ids = [m.pk for m in members]
    spend = {
        row["member_id"]: row["s"]
        for row in PointsEntry.objects.filter(
            member_id__in=ids,
            kind__in=[PointsKind.EARN, PointsKind.REVERSE],
            created_at__gte=since,
            net_amount__isnull=False,
        )
        .values("member_id")
        .annotate(s=Sum("net_amount"))
    }
    with_merged = set(
        Member.objects.filter(merged_into_id__in=ids).values_list("merged_into_id", flat=True)
    )
    ladders: dict[int, list[Tier]] = {}
    upgraded = 0
    for member in members:
        if member.brand_id not in ladders:
            ladders[member.brand_id] = list(
                Tier.objects.filter(brand_id=member.brand_id).order_by("rank")
            )
        ladder = ladders[member.brand_id]
        higher = [t for t in ladder if t.rank > member.tier.rank]
        if not higher:
            continue
        total = spend.get(member.pk) or 0
        amount = Decimal(total) / 100 if isinstance(total, int) else Decimal(total)
        if member.pk in with_merged or amount >= higher[0].threshold:
            upgraded += upgrade_if_due(member)
    return upgraded
