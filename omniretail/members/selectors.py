"""Reads for the API and pages: which brands a caller sees, member views as plain dicts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import Scope, resolve_scope
from omniretail.core.errors import NotFound
from omniretail.core.models import Store
from omniretail.core.money import to_fen

from . import stored_value, tiers
from .errors import MemberError
from .models import Member, MemberStatus, Tier

MAX_ID = 2**62


def brand_ids(scope: Scope) -> set[int]:
    """Brands whose members the caller sees: brand-wide roles directly, store-level staff
    through the brand of their stores (a member is one person across the brand's stores)."""
    ids = set(scope.brand_ids)
    if scope.store_ids:
        ids |= set(Store.objects.filter(pk__in=scope.store_ids).values_list("brand_id", flat=True))
    return ids


def member_in_scope(scope: Scope, member_id: int) -> Member:
    """The member if the caller's brands include it; otherwise 404 (never 403: no leak)."""
    member = None
    if 0 < member_id < MAX_ID:
        member = (
            Member.objects.select_related("tier")
            .filter(pk=member_id, brand_id__in=brand_ids(scope))
            .first()
        )
    if member is None:
        raise NotFound(_("member"), code=MemberError.MEMBER_NOT_FOUND)
    return member


def member_of_store_brand(member_id: int | None, store_id: int | None) -> Member | None:
    """The member if it belongs to the brand of ``store_id`` — a tender charged at a store may
    only spend the wallet of that brand's member; ``None`` otherwise."""
    if not member_id or not store_id or not 0 < member_id < MAX_ID:
        return None
    brand_id = Store.objects.filter(pk=store_id).values_list("brand_id", flat=True).first()
    if brand_id is None:
        return None
    return Member.objects.filter(pk=member_id, brand_id=brand_id).first()


def linked_member(user: Any, scope: Scope) -> Member:
    member = (
        Member.objects.select_related("tier")
        .filter(user=user, status=MemberStatus.ACTIVE, brand_id__in=brand_ids(scope))
        .first()
    )
    if member is None:
        raise NotFound(_("member"), code=MemberError.NO_LINKED_MEMBER)
    return member


def can_read_pii(user: Any) -> bool:
    return not resolve_scope(user, Perm.MEMBERS_PII).empty


def tier_dict(tier: Tier) -> dict[str, Any]:
    return {
        "code": tier.code,
        "name": tier.name,
        "name_en": tier.name_en,
        "rank": tier.rank,
        "threshold_fen": to_fen(tier.threshold),
        "discount_bp": tier.discount_bp,
        "points_multiplier_pct": tier.points_multiplier_pct,
        "birthday_gift": tier.birthday_gift,
        "free_delivery": tier.free_delivery,
    }


def member_dict(member: Member, clear: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": member.pk,
        "code": member.code,
        "brand_id": member.brand_id,
        "status": member.status,
        "phone_masked": member.phone_masked,
        "name_masked": member.name_masked,
        "phone": clear["phone"] if clear else None,
        "name": clear["name"] if clear else None,
        "birthday": member.birthday if clear else None,
        "tier": tier_dict(member.tier),
        "tier_review_on": member.tier_review_on,
        "points_balance": member.points_balance,
        "stored_value_fen": to_fen(stored_value.balance_of(member)),
        "registered_channel": member.registered_channel,
        "registered_at": member.registered_at,
    }


def tier_progress(member: Member) -> dict[str, Any]:
    spend = tiers.rolling_spend(member)
    higher = (
        Tier.objects.filter(brand_id=member.brand_id, rank__gt=member.tier.rank)
        .order_by("rank")
        .first()
    )
    return {
        "tier": tier_dict(member.tier),
        "review_on": member.tier_review_on,
        "rolling_spend_fen": to_fen(spend),
        "next_tier": tier_dict(higher) if higher else None,
        "to_next_fen": max(to_fen(higher.threshold) - to_fen(spend), 0) if higher else None,
    }


def coupon_wallet(member: Member, *, limit: int = 200) -> list[dict[str, Any]]:
    """The member's coupons (issued by promotions, usable in any channel their template
    allows), newest first, each with its state now: usable, used, expired, revoked or not
    started yet."""
    from omniretail.core import clock
    from omniretail.promotions.models import Coupon

    now = clock.now()
    rows = (
        Coupon.objects.select_related("template")
        .filter(member=member, template__brand_id=member.brand_id)
        .order_by("-issued_at", "-pk")[:limit]
    )
    out = []
    for c in rows:
        if c.revoked_at is not None or c.template.status != "active":
            state = "revoked"
        elif c.uses >= c.max_uses:
            state = "used"
        elif now >= c.valid_until:
            state = "expired"
        elif now < c.valid_from:
            state = "not_started"
        else:
            state = "usable"
        out.append(
            {
                "code": c.code,
                "name": c.template.name,
                "kind": c.template.kind,
                "channels": list((c.template.scope or {}).get("channels") or []),
                "valid_from": c.valid_from,
                "valid_until": c.valid_until,
                "uses_left": max(c.max_uses - c.uses, 0),
                "state": state,
            }
        )
    return out
