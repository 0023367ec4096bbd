"""Segments (人群): who a campaign, a promotion scope or a bulk coupon issue is aimed at.

A rule segment matches members on tier, registration date and channel, store and spend over
a trailing window; an RFM segment takes its members from analytics. ``refresh`` materialises
the members as ``SegmentMember`` rows, so pricing reads a member's segment codes with one
indexed query and bulk issuance works from a fixed list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import Field, ValidationError

from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.core.models import Brand

from . import sales_facts
from .errors import PromotionError
from .models import Segment, SegmentKind, SegmentMember
from .params import _Params, params_errors

RFM_CODES = ("new", "champions", "loyal", "potential", "at_risk", "hibernating", "need_attention")


def rfm_codes() -> tuple[str, ...]:
    """Analytics' RFM codes when it provides them (it owns the classification)."""
    try:
        from omniretail.analytics.segments import SEGMENT_CODES
    except ImportError:
        return RFM_CODES
    return tuple(SEGMENT_CODES)


CHUNK = 1000


class SegmentRules(_Params):
    """Rule segment: every given rule must hold (AND); empty rules match every active member."""

    tiers: list[str] = []
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None  # inclusive
    registered_channels: list[str] = []
    registered_store_ids: list[int] = []
    min_spend: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    max_spend: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    spend_days: int = Field(default=365, ge=1, le=3660)


class RfmRules(_Params):
    rfm_segment: str


def validate_rules(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        if kind == SegmentKind.RFM:
            spec = RfmRules.model_validate(raw or {})
            if spec.rfm_segment not in rfm_codes():
                raise ValidationFailed(
                    PromotionError.INVALID_SEGMENT,
                    _("Unknown RFM segment; use one of: %(codes)s")
                    % {"codes": ", ".join(rfm_codes())},
                    {"field": "rules.rfm_segment"},
                )
            return spec.model_dump(mode="json")
        if kind != SegmentKind.RULES:
            raise ValidationFailed(
                PromotionError.INVALID_SEGMENT, _("Unknown segment type."), {"field": "kind"}
            )
        rules = SegmentRules.model_validate(raw or {})
    except ValidationError as exc:
        raise ValidationFailed(
            PromotionError.INVALID_SEGMENT,
            _("The segment rules are not valid: %(why)s")
            % {"why": params_errors(exc)[0]["message"]},
            {"errors": params_errors(exc)},
        ) from exc
    if (
        rules.registered_from
        and rules.registered_to
        and rules.registered_to < rules.registered_from
    ):
        raise ValidationFailed(
            PromotionError.INVALID_SEGMENT,
            _("The registration range ends before it starts."),
            {"field": "rules.registered_to"},
        )
    if (
        rules.min_spend is not None
        and rules.max_spend is not None
        and rules.max_spend < rules.min_spend
    ):
        raise ValidationFailed(
            PromotionError.INVALID_SEGMENT,
            _("The maximum spend is below the minimum spend."),
            {"field": "rules.max_spend"},
        )
    return rules.model_dump(mode="json", exclude_defaults=True)


def create_segment(
    brand: Brand, *, code: str, name: str, kind: str = SegmentKind.RULES, rules: Any = None
) -> Segment:
    clean = validate_rules(kind, rules or {})
    try:
        with transaction.atomic():
            seg = Segment.objects.create(
                brand=brand, code=code, name=name, kind=kind, rules=clean, created_at=clock.now()
            )
            audit.record("promotions.segment.created", seg, changes={"code": code, "kind": kind})
    except IntegrityError as exc:
        raise Conflict(
            PromotionError.DUPLICATE_CODE, _("A segment with this code exists."), {"field": "code"}
        ) from exc
    return seg


def rfm_member_ids(brand_id: int, code: str) -> set[int]:
    """Members of an RFM class, as analytics computes them (imported lazily: analytics reads
    sales, promotions only consumes its answer)."""
    try:
        from omniretail.analytics.segments import member_ids_in_rfm_segment
    except ImportError as exc:
        raise ValidationFailed(
            PromotionError.RFM_UNAVAILABLE, _("RFM segments are not available yet.")
        ) from exc
    return set(member_ids_in_rfm_segment(brand_id, code))


def evaluate(segment: Segment, at: dt.datetime | None = None) -> set[int]:
    """The member ids the segment's rules select now (nothing is written)."""
    if segment.kind == SegmentKind.RFM:
        return rfm_member_ids(segment.brand_id, segment.rules["rfm_segment"])
    from omniretail.members.models import Member, MemberStatus

    rules = SegmentRules.model_validate(segment.rules or {})
    at = at or clock.now()
    qs = Member.objects.filter(brand_id=segment.brand_id, status=MemberStatus.ACTIVE)
    if rules.tiers:
        qs = qs.filter(tier__code__in=rules.tiers)
    if rules.registered_from:
        qs = qs.filter(registered_at__gte=clock.business_day_bounds(rules.registered_from)[0])
    if rules.registered_to:
        qs = qs.filter(registered_at__lt=clock.business_day_bounds(rules.registered_to)[1])
    if rules.registered_channels:
        qs = qs.filter(registered_channel__in=rules.registered_channels)
    if rules.registered_store_ids:
        qs = qs.filter(registered_store_id__in=rules.registered_store_ids)
    ids = set(qs.values_list("pk", flat=True))
    if rules.min_spend is None and rules.max_spend is None:
        return ids
    spend = sales_facts.spend_by_member(
        segment.brand_id, at - dt.timedelta(days=rules.spend_days), at
    )
    zero = Decimal("0.00")
    lo = rules.min_spend if rules.min_spend is not None else zero
    hi = rules.max_spend
    return {m for m in ids if spend.get(m, zero) >= lo and (hi is None or spend.get(m, zero) <= hi)}


def refresh(segment: Segment) -> Segment:
    """Replace the materialised members with what the rules select now."""
    ids = sorted(evaluate(segment))
    with transaction.atomic():
        Segment.objects.select_for_update().filter(pk=segment.pk).first()
        SegmentMember.objects.filter(segment=segment).delete()
        SegmentMember.objects.bulk_create(
            [SegmentMember(segment=segment, member_id=m) for m in ids], batch_size=CHUNK
        )
        segment.member_count = len(ids)
        segment.refreshed_at = clock.now()
        segment.save(update_fields=["member_count", "refreshed_at"])
        audit.record("promotions.segment.refreshed", segment, changes={"members": len(ids)})
    return segment


def member_ids(segment: Segment) -> list[int]:
    """The materialised members (refreshing first when the segment never was)."""
    if segment.refreshed_at is None:
        refresh(segment)
    return list(
        SegmentMember.objects.filter(segment=segment)
        .order_by("member_id")
        .values_list("member_id", flat=True)
    )


def segment_codes_of(member_id: int) -> frozenset[str]:
    """Segment codes a member carries into pricing (``Scope.member_segments``)."""
    return frozenset(
        SegmentMember.objects.filter(member_id=member_id).values_list("segment__code", flat=True)
    )


def segment_in_brands(brand_ids: set[int], segment_id: int) -> Segment:
    seg = (
        Segment.objects.filter(pk=segment_id, brand_id__in=brand_ids).first()
        if 0 < segment_id < 2**62
        else None
    )
    if seg is None:
        raise NotFound(_("segment"))
    return seg
