"""Promotions JSON API under /api/v1/promotions/. Thin: parse, resolve scope, call services.

Promotions and coupon templates belong to a brand; callers outside it, and stores outside the
caller's scope, get 404 exactly like unknown ids.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core import clock
from omniretail.core.errors import NotFound
from omniretail.core.models import Brand, Store
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import campaign_results, campaigns, coupons, segments, selectors, services
from .engine import price_cart
from .models import Campaign, CouponTemplate, Promotion, Segment
from .schemas import (
    CouponOut,
    IssueIn,
    IssueOut,
    PriceCartIn,
    PriceCartOut,
    PromoCampaignIn,
    PromoCampaignOut,
    PromoCampaignResultsOut,
    PromoRedeemIn,
    PromoRedemptionOut,
    PromoReverseIn,
    PromoSegmentIn,
    PromoSegmentIssueIn,
    PromoSegmentIssueOut,
    PromoSegmentOut,
    PromotionIn,
    PromotionOut,
    PromotionPatch,
    TemplateIn,
    TemplateOut,
    ValidateIn,
)

router = Router(tags=["promotions"])


def _scope(request: HttpRequest) -> Any:
    return request.scope  # type: ignore[attr-defined]


def _brand(request: HttpRequest) -> Brand:
    """The caller's brand (the chain). Several brands: the lowest id (one chain per install)."""
    ids = sorted(selectors.brand_ids(_scope(request)))
    if not ids:
        raise NotFound(_("brand"))
    return Brand.objects.get(pk=ids[0])


def _store(request: HttpRequest, store_id: int | None) -> Store | None:
    if store_id is None:
        return None
    scope = _scope(request)
    store = Store.objects.filter(pk=store_id).first()
    if store is None or not (store.brand_id in scope.brand_ids or store.pk in scope.store_ids):
        raise NotFound(_("store"))
    return store


def _promotion_out(p: Promotion) -> dict[str, Any]:
    return {
        **{f: getattr(p, f) for f in ("id", "code", "name", "name_en", "kind", "params", "scope")},
        **{f: getattr(p, f) for f in ("priority", "exclusive_group", "best_for_customer")},
        **{f: getattr(p, f) for f in ("stackable", "starts_at", "ends_at", "weekdays", "status")},
        "time_windows": list(p.time_windows or []),
    }


@router.get(
    "/promotions",
    auth=access(Perm.PROMOTIONS_VIEW),
    response={200: list[PromotionOut], **READ_ERRORS},
)
def list_promotions(
    request: HttpRequest, status: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    qs = selectors.promotions(_scope(request)).order_by("-starts_at", "pk")
    if status:
        qs = qs.filter(status=status[:10])
    if kind:
        qs = qs.filter(kind=kind[:20])
    return [_promotion_out(p) for p in qs[:500]]


@router.post(
    "/promotions", auth=access(Perm.PROMOTIONS_MANAGE), response={200: PromotionOut, **WRITE_ERRORS}
)
def create_promotion(request: HttpRequest, body: PromotionIn) -> dict[str, Any]:
    data = body.model_dump()
    if data["starts_at"] is None:
        data["starts_at"] = clock.now()
    code = data.pop("code")
    return _promotion_out(services.create_promotion(_brand(request), code=code, **data))


@router.get(
    "/promotions/{promotion_id}",
    auth=access(Perm.PROMOTIONS_VIEW),
    response={200: PromotionOut, **READ_ERRORS},
)
def get_promotion(request: HttpRequest, promotion_id: int) -> dict[str, Any]:
    return _promotion_out(selectors.promotion_in_scope(_scope(request), promotion_id))


@router.patch(
    "/promotions/{promotion_id}",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: PromotionOut, **WRITE_ERRORS},
)
def update_promotion(
    request: HttpRequest, promotion_id: int, body: PromotionPatch
) -> dict[str, Any]:
    promo = selectors.promotion_in_scope(_scope(request), promotion_id)
    changes = body.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k == "ends_at"}
    return _promotion_out(services.update_promotion(promo, **changes))


def price(request: HttpRequest, body: PriceCartIn) -> Any:
    brand = _brand(request)
    store = _store(request, body.store_id)
    if store is not None:
        brand = store.brand
    at = clock.now()
    coupon_defs = coupons.resolve_coupons(
        brand.pk, body.coupon_codes, channel=body.channel, member_id=body.member_id, at=at
    )
    cart = selectors.build_cart(
        brand.pk,
        [(ln.sku_id, ln.quantity) for ln in body.lines],
        channel=body.channel,
        store=store,
        at=at,
        member_id=body.member_id,
        coupons=coupon_defs,
    )
    return price_cart(cart, selectors.active_promotions(brand.pk, at))


@router.post(
    "/price-cart",
    auth=access(Perm.PROMOTIONS_PRICE_CART),
    response={200: PriceCartOut, **WRITE_ERRORS},
)
def price_cart_preview(request: HttpRequest, body: PriceCartIn) -> dict[str, Any]:
    """Price a cart preview: nothing is reserved or recorded."""
    result = price(request, body)
    return {**result.__dict__, "explanation": result.explanation}


@router.get(
    "/coupon-templates",
    auth=access(Perm.PROMOTIONS_VIEW),
    response={200: list[TemplateOut], **READ_ERRORS},
)
def list_templates(request: HttpRequest) -> list[CouponTemplate]:
    ids = selectors.brand_ids(_scope(request))
    return list(CouponTemplate.objects.filter(brand_id__in=ids).order_by("-valid_from", "pk")[:500])


@router.post(
    "/coupon-templates",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: TemplateOut, **WRITE_ERRORS},
)
def create_template(request: HttpRequest, body: TemplateIn) -> CouponTemplate:
    data = body.model_dump()
    return coupons.create_template(
        _brand(request),
        code=data.pop("code"),
        kind=data.pop("kind"),
        params=data.pop("params"),
        **data,
    )


@router.post(
    "/coupon-templates/{template_id}/issue",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: IssueOut, **WRITE_ERRORS},
)
def issue_coupons(request: HttpRequest, template_id: int, body: IssueIn) -> dict[str, Any]:
    ids = selectors.brand_ids(_scope(request))
    tpl = (
        CouponTemplate.objects.filter(pk=template_id, brand_id__in=ids).first()
        if 0 < template_id < 2**62
        else None
    )
    if tpl is None:
        raise NotFound(_("coupon template"))
    member = None
    if body.member_id is not None:
        from omniretail.members.models import Member

        member = Member.objects.filter(pk=body.member_id, brand_id=tpl.brand_id).first()
        if member is None:
            raise NotFound(_("member"))
    return {"coupons": coupons.issue(tpl, body.count, member=member)}


@router.post(
    "/coupons/validate",
    auth=access(Perm.PROMOTIONS_PRICE_CART),
    response={200: CouponOut, **WRITE_ERRORS},
)
def validate_coupon(request: HttpRequest, body: ValidateIn) -> Any:
    """Whether a code can be used now on this channel (by this member): 200 or a typed error."""
    return coupons.validate(
        _brand(request).pk, body.code, channel=body.channel, member_id=body.member_id
    )


# --- Segments and campaigns ------------------------------------------------------------------


def _segment_of(request: HttpRequest, segment_id: int) -> Segment:
    return segments.segment_in_brands(selectors.brand_ids(_scope(request)), segment_id)


def _campaign_of(request: HttpRequest, campaign_id: int) -> Campaign:
    ids = selectors.brand_ids(_scope(request))
    found = (
        Campaign.objects.filter(pk=campaign_id, brand_id__in=ids).first()
        if 0 < campaign_id < 2**62
        else None
    )
    if found is None:
        raise NotFound(_("campaign"))
    return found


def _campaign_out(c: Campaign) -> dict[str, Any]:
    return {
        **{f: getattr(c, f) for f in ("id", "code", "name", "segment_id", "starts_at", "ends_at")},
        **{f: getattr(c, f) for f in ("budget", "holdout_bp", "seed", "status", "launched_at")},
        "promotion_ids": sorted(c.promotions.values_list("pk", flat=True)),
        "template_ids": sorted(c.coupon_templates.values_list("pk", flat=True)),
    }


@router.get(
    "/segments",
    auth=access(Perm.PROMOTIONS_VIEW),
    response={200: list[PromoSegmentOut], **READ_ERRORS},
)
def list_segments(request: HttpRequest) -> list[Segment]:
    ids = selectors.brand_ids(_scope(request))
    return list(Segment.objects.filter(brand_id__in=ids).order_by("code")[:500])


@router.post(
    "/segments",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: PromoSegmentOut, **WRITE_ERRORS},
)
def create_segment(request: HttpRequest, body: PromoSegmentIn) -> Segment:
    return segments.create_segment(
        _brand(request), code=body.code, name=body.name, kind=body.kind, rules=body.rules
    )


@router.post(
    "/segments/{segment_id}/refresh",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: PromoSegmentOut, **WRITE_ERRORS},
)
def refresh_segment(request: HttpRequest, segment_id: int) -> Segment:
    """Re-evaluate the rules now and store the members."""
    return segments.refresh(_segment_of(request, segment_id))


@router.post(
    "/coupon-templates/{template_id}/issue-to-segment",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: PromoSegmentIssueOut, **WRITE_ERRORS},
)
def issue_to_segment(
    request: HttpRequest, template_id: int, body: PromoSegmentIssueIn
) -> dict[str, int]:
    """One coupon to each member of the segment; members at the per-member limit are skipped."""
    ids = selectors.brand_ids(_scope(request))
    tpl = (
        CouponTemplate.objects.filter(pk=template_id, brand_id__in=ids).first()
        if 0 < template_id < 2**62
        else None
    )
    if tpl is None:
        raise NotFound(_("coupon template"))
    issued, skipped = coupons.issue_to_segment(tpl, _segment_of(request, body.segment_id))
    return {"issued": issued, "skipped": skipped}


@router.get(
    "/campaigns",
    auth=access(Perm.PROMOTIONS_VIEW),
    response={200: list[PromoCampaignOut], **READ_ERRORS},
)
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    ids = selectors.brand_ids(_scope(request))
    qs = Campaign.objects.filter(brand_id__in=ids).order_by("-starts_at", "pk")
    return [_campaign_out(c) for c in qs[:200]]


@router.post(
    "/campaigns",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: PromoCampaignOut, **WRITE_ERRORS},
)
def create_campaign(request: HttpRequest, body: PromoCampaignIn) -> dict[str, Any]:
    brand = _brand(request)
    segment = _segment_of(request, body.segment_id)
    data = body.model_dump(exclude={"segment_id"})
    return _campaign_out(campaigns.create_campaign(brand, segment=segment, **data))


@router.get(
    "/campaigns/{campaign_id}",
    auth=access(Perm.PROMOTIONS_VIEW),
    response={200: PromoCampaignOut, **READ_ERRORS},
)
def get_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _campaign_out(_campaign_of(request, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/launch",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: PromoCampaignOut, **WRITE_ERRORS},
)
def launch_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Fix treatment and control groups and issue the coupons to the treatment group."""
    return _campaign_out(campaigns.launch(_campaign_of(request, campaign_id)))


@router.post(
    "/campaigns/{campaign_id}/end",
    auth=access(Perm.PROMOTIONS_MANAGE),
    response={200: PromoCampaignOut, **WRITE_ERRORS},
)
def end_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _campaign_out(campaigns.end(_campaign_of(request, campaign_id)))


@router.get(
    "/campaigns/{campaign_id}/results",
    auth=access(Perm.PROMOTIONS_VIEW),
    response={200: PromoCampaignResultsOut, **READ_ERRORS},
)
def campaign_results_api(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Reach, redemptions, revenue, lift against the holdout, incremental revenue, cost, ROI."""
    return campaign_results.results(_campaign_of(request, campaign_id)).as_dict()


# --- Coupon redemption for third-party tills -------------------------------------------------


def _redemption_out(r: Any) -> dict[str, Any]:
    return {
        "code": r.coupon.code,
        **{f: getattr(r, f) for f in ("reference", "amount", "channel", "store_id", "member_id")},
        **{f: getattr(r, f) for f in ("redeemed_at", "reversed_at")},
    }


@router.post(
    "/coupons/redeem",
    auth=access(Perm.PROMOTIONS_PRICE_CART),
    response={200: PromoRedemptionOut, **WRITE_ERRORS},
)
def redeem_coupon(request: HttpRequest, body: PromoRedeemIn) -> dict[str, Any]:
    """核销 one use of a coupon against the caller's receipt reference (idempotent on it).
    Per-member and per-phone limits of the template apply; the phone is kept only as a keyed
    blind index."""
    store = _store(request, body.store_id)
    brand = store.brand if store is not None else _brand(request)
    redemption = coupons.redeem(
        brand.pk,
        body.code,
        body.reference,
        amount=body.amount,
        channel=body.channel,
        member_id=body.member_id,
        store=store,
        phone=body.phone,
    )
    return _redemption_out(redemption)


@router.post(
    "/coupons/reverse",
    auth=access(Perm.PROMOTIONS_PRICE_CART),
    response={200: PromoRedemptionOut, **WRITE_ERRORS},
)
def reverse_coupon(request: HttpRequest, body: PromoReverseIn) -> dict[str, Any]:
    """Give a redeemed use back (goods returned). Idempotent."""
    redemption = coupons.reverse(
        _brand(request).pk, body.code, body.reference, reversal_reference=body.reversal_reference
    )
    return _redemption_out(redemption)
