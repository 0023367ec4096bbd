"""Campaigns (营销活动): promotions and coupons aimed at a segment, with a budget, dates and a
random but reproducible holdout control group.

A member is in the control group when ``sha256(seed:member_id)`` read as a number falls below
the holdout share — no stored randomness, so anyone can re-derive the split. Groups are fixed
at launch (``CampaignMember`` rows); coupons go to the treatment group only, and the
campaign's promotions reach only the treatment group because pricing gives those members the
segment code ``campaign:<code>`` and the promotions are scoped to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.core.models import Brand
from omniretail.core.money import quantize

from . import coupons, segments
from .errors import PromotionError
from .models import (
    Campaign,
    CampaignGroup,
    CampaignMember,
    CampaignStatus,
    CouponTemplate,
    Promotion,
    Segment,
)

BP = 10_000
CHUNK = 1000


def in_control(seed: str, member_id: int, holdout_bp: int) -> bool:
    """Deterministic holdout draw: the same (seed, member) always lands in the same group."""
    digest = hashlib.sha256(f"{seed}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BP < holdout_bp


def create_campaign(
    brand: Brand,
    *,
    code: str,
    name: str,
    segment: Segment,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    budget: Any = 0,
    holdout_bp: int = 1000,
    promotion_ids: Sequence[int] = (),
    template_ids: Sequence[int] = (),
    seed: str | None = None,
) -> Campaign:
    if segment.brand_id != brand.pk:
        raise ValidationFailed(
            PromotionError.INVALID_CAMPAIGN, _("Unknown segment."), {"field": "segment_id"}
        )
    if ends_at <= starts_at:
        raise ValidationFailed(
            PromotionError.INVALID_WINDOW,
            _("The campaign ends before it starts."),
            {"field": "ends_at"},
        )
    if not 0 <= holdout_bp <= 9000:
        raise ValidationFailed(
            PromotionError.INVALID_CAMPAIGN,
            _("The holdout share is 0 to 90 per cent."),
            {"field": "holdout_bp"},
        )
    budget = quantize(budget)
    if budget < 0:
        raise ValidationFailed(
            PromotionError.INVALID_CAMPAIGN,
            _("The budget cannot be negative."),
            {"field": "budget"},
        )
    promos = list(Promotion.objects.filter(brand=brand, pk__in=list(promotion_ids)))
    templates = list(CouponTemplate.objects.filter(brand=brand, pk__in=list(template_ids)))
    if len(promos) != len(set(promotion_ids)) or len(templates) != len(set(template_ids)):
        raise ValidationFailed(
            PromotionError.INVALID_CAMPAIGN,
            _("Unknown promotions or coupon templates in the campaign."),
            {"field": "promotion_ids"},
        )
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                brand=brand,
                code=code,
                name=name,
                segment=segment,
                starts_at=starts_at,
                ends_at=ends_at,
                budget=budget,
                holdout_bp=holdout_bp,
                seed=seed or secrets.token_hex(8),
                created_at=clock.now(),
            )
            campaign.promotions.set(promos)
            campaign.coupon_templates.set(templates)
            audit.record("promotions.campaign.created", campaign, changes={"code": code})
    except IntegrityError as exc:
        raise Conflict(
            PromotionError.DUPLICATE_CODE, _("A campaign with this code exists."), {"field": "code"}
        ) from exc
    return campaign


def launch(campaign: Campaign) -> Campaign:
    """Fix the groups from the segment's members now, then issue the campaign's coupons to
    the treatment group. Launching twice is refused (the groups never move)."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.DRAFT:
            raise InvalidState(
                PromotionError.CAMPAIGN_STATE, _("Only a draft campaign can be launched.")
            )
        if clock.now() >= locked.ends_at:
            raise InvalidState(PromotionError.CAMPAIGN_STATE, _("The campaign has already ended."))
        locked.status = CampaignStatus.LAUNCHED
        locked.launched_at = clock.now()
        locked.save(update_fields=["status", "launched_at"])
    segment = segments.refresh(locked.segment)
    ids = segments.member_ids(segment)
    rows = [
        CampaignMember(
            campaign=locked,
            member_id=m,
            group=(
                CampaignGroup.CONTROL
                if in_control(locked.seed, m, locked.holdout_bp)
                else CampaignGroup.TREATMENT
            ),
        )
        for m in ids
    ]
    for start in range(0, len(rows), CHUNK):
        with transaction.atomic():
            CampaignMember.objects.bulk_create(rows[start : start + CHUNK])
    treatment = [r.member_id for r in rows if r.group == CampaignGroup.TREATMENT]
    issued = 0
    for template in locked.coupon_templates.order_by("pk"):
        issued += coupons.issue_to_members(template, treatment, campaign=locked)[0]
    audit.record(
        "promotions.campaign.launched",
        locked,
        changes={"members": len(rows), "treatment": len(treatment), "coupons": issued},
    )
    return locked


def end(campaign: Campaign) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status == CampaignStatus.ENDED:
            return locked
        locked.status = CampaignStatus.ENDED
        locked.save(update_fields=["status"])
        audit.record("promotions.campaign.ended", locked)
    return locked


def treatment_codes_of(member_id: int, at: dt.datetime) -> frozenset[str]:
    """``campaign:<code>`` for each live campaign that has this member in its treatment group."""
    codes = CampaignMember.objects.filter(
        member_id=member_id,
        group=CampaignGroup.TREATMENT,
        campaign__status=CampaignStatus.LAUNCHED,
        campaign__starts_at__lte=at,
        campaign__ends_at__gt=at,
    ).values_list("campaign__code", flat=True)
    return frozenset(f"campaign:{c}" for c in codes)


def holdout_share(campaign: Campaign) -> Decimal:
    return Decimal(campaign.holdout_bp) / BP
