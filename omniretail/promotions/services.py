"""Writes for promotions: define/update (validated), and record what a checkout applied.

Definition-time validation is strict on purpose: a bad 满减 or an ambiguous exclusive group
found here is a 4xx for a marketer; found at the till it is a wrong price for a shopper.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from omniretail.catalog.models import Category, Sku
from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.models import Brand, Region, Store

from .cart import PricingResult
from .errors import PromotionError
from .models import AppliedDiscount, Coupon, Promotion, Status
from .params import PromotionKind, ScopeSpec, WindowSpec, params_errors, parse_params

EDITABLE = (
    "name",
    "name_en",
    "kind",
    "params",
    "scope",
    "priority",
    "exclusive_group",
    "best_for_customer",
    "stackable",
    "starts_at",
    "ends_at",
    "weekdays",
    "time_windows",
    "status",
)


def validate_params(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    if kind not in PromotionKind.__members__.values():
        raise ValidationFailed(
            PromotionError.INVALID_PARAMS, _("Unknown promotion type."), {"field": "kind"}
        )
    try:
        return parse_params(kind, raw).model_dump(mode="json")
    except ValidationError as exc:
        raise ValidationFailed(
            PromotionError.INVALID_PARAMS,
            _("The promotion parameters are not valid: %(why)s")
            % {"why": params_errors(exc)[0]["message"]},
            {"errors": params_errors(exc)},
        ) from exc


def validate_scope(
    brand: Brand, raw: dict[str, Any], extra_sku_ids: set[int] | None = None
) -> dict[str, Any]:
    """Scope JSON checked against the brand's catalog and organisation: unknown SKUs,
    categories, stores or regions are refused (they would silently never match)."""
    try:
        spec = ScopeSpec.model_validate(raw or {})
    except ValidationError as exc:
        raise ValidationFailed(
            PromotionError.INVALID_SCOPE,
            _("The scope is not valid."),
            {"errors": params_errors(exc)},
        ) from exc
    sku_ids = set(spec.sku_ids) | set(spec.exclude_sku_ids) | (extra_sku_ids or set())
    if sku_ids:
        found = set(
            Sku.objects.filter(pk__in=sku_ids, product__brand=brand).values_list("pk", flat=True)
        )
        if sku_ids - found:
            missing = sorted(sku_ids - found)
            raise ValidationFailed(
                PromotionError.UNKNOWN_SKU,
                _("Unknown SKUs: %(ids)s") % {"ids": ", ".join(map(str, missing[:20]))},
                {"sku_ids": missing[:100]},
            )
    cat_ids = set(spec.category_ids) | set(spec.exclude_category_ids)
    if cat_ids:
        found = set(
            Category.objects.filter(pk__in=cat_ids, brand=brand).values_list("pk", flat=True)
        )
        if cat_ids - found:
            missing = sorted(cat_ids - found)
            raise ValidationFailed(
                PromotionError.UNKNOWN_CATEGORY,
                _("Unknown categories: %(ids)s") % {"ids": ", ".join(map(str, missing[:20]))},
                {"category_ids": missing[:100]},
            )
    for ids, model in ((spec.store_ids, Store), (spec.region_ids, Region)):
        if ids and model.objects.filter(pk__in=ids, brand=brand).count() != len(set(ids)):
            raise ValidationFailed(
                PromotionError.UNKNOWN_STORE,
                _("Unknown stores or regions in the scope."),
                {"field": "scope"},
            )
    return spec.model_dump(mode="json", exclude_defaults=True)


def _param_sku_ids(kind: str, params: dict[str, Any]) -> set[int]:
    p = parse_params(kind, params)
    if kind == PromotionKind.GIFT:
        return {p.gift_sku_id}
    if kind == PromotionKind.BUNDLE:
        return {s for c in p.components for s in c.sku_ids}
    if kind in (PromotionKind.FLASH_SALE, PromotionKind.MEMBER_PRICE):
        return set(p.prices)
    return set()


def _validate_calendar(data: dict[str, Any]) -> None:
    starts, ends = data["starts_at"], data.get("ends_at")
    if ends is not None and ends <= starts:
        raise ValidationFailed(
            PromotionError.INVALID_WINDOW,
            _("The promotion ends before it starts."),
            {"field": "ends_at"},
        )
    weekdays = data.get("weekdays") or []
    if any(not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays):
        raise ValidationFailed(
            PromotionError.INVALID_WINDOW,
            _("Weekdays are 1 (Monday) to 7 (Sunday)."),
            {"field": "weekdays"},
        )
    try:
        data["time_windows"] = [
            WindowSpec.model_validate(w).model_dump() for w in data.get("time_windows") or []
        ]
    except ValidationError as exc:
        raise ValidationFailed(
            PromotionError.INVALID_WINDOW,
            _("Time windows are HH:MM to HH:MM."),
            {"errors": params_errors(exc)},
        ) from exc
    data["weekdays"] = sorted(set(weekdays))


def _overlaps(
    a_start: dt.datetime, a_end: dt.datetime | None, b_start: dt.datetime, b_end: dt.datetime | None
) -> bool:
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def _check_exclusive(brand: Brand, data: dict[str, Any], exclude_pk: int | None) -> None:
    """Two promotions of one exclusive group, live at the same time with the same priority,
    would be chosen by id alone: refused unless the group picks the best for the customer."""
    group = data.get("exclusive_group") or ""
    if not group or data.get("best_for_customer") or data.get("status") == Status.ENDED:
        return
    rivals = Promotion.objects.filter(
        brand=brand,
        exclusive_group=group,
        priority=data.get("priority", 0),
        best_for_customer=False,
    ).exclude(status=Status.ENDED)
    if exclude_pk:
        rivals = rivals.exclude(pk=exclude_pk)
    for r in rivals:
        if _overlaps(data["starts_at"], data.get("ends_at"), r.starts_at, r.ends_at):
            raise ValidationFailed(
                PromotionError.EXCLUSIVE_OVERLAP,
                _(
                    "Promotion %(code)s of the same exclusive group overlaps with the same priority; give them different priorities."
                )
                % {"code": r.code},
                {"field": "priority", "promotion_id": r.pk},
            )


def _clean(brand: Brand, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    data["params"] = validate_params(data["kind"], data.get("params") or {})
    data["scope"] = validate_scope(
        brand, data.get("scope") or {}, _param_sku_ids(data["kind"], data["params"])
    )
    _validate_calendar(data)
    _check_exclusive(brand, data, exclude_pk)
    return data


def create_promotion(brand: Brand, *, code: str, **fields: Any) -> Promotion:
    data = {k: v for k, v in fields.items() if k in EDITABLE}
    data.setdefault("starts_at", clock.now())
    data = _clean(brand, data)
    now = clock.now()
    try:
        with transaction.atomic():
            promo = Promotion.objects.create(
                brand=brand, code=code, created_at=now, updated_at=now, **data
            )
            audit.record(
                "promotions.promotion.created", promo, changes={"code": code, "kind": promo.kind}
            )
    except IntegrityError as exc:
        raise Conflict(
            PromotionError.DUPLICATE_CODE,
            _("A promotion with this code exists."),
            {"field": "code"},
        ) from exc
    return promo


def update_promotion(promo: Promotion, **changes: Any) -> Promotion:
    data = {k: getattr(promo, k) for k in EDITABLE}
    data.update({k: v for k, v in changes.items() if k in EDITABLE})
    data = _clean(promo.brand, data, exclude_pk=promo.pk)
    with transaction.atomic():
        for k, v in data.items():
            setattr(promo, k, v)
        promo.updated_at = clock.now()
        promo.save()
        audit.record(
            "promotions.promotion.updated",
            promo,
            changes={k: str(v)[:200] for k, v in changes.items()},
        )
    return promo


@transaction.atomic
def record_applied_promotions(
    brand: Brand, order_ref: str, result: PricingResult
) -> list[AppliedDiscount]:
    """Store one row per (promotion or coupon, line) of a priced checkout, and take the
    flash-sale units it used. Idempotent on ``order_ref``: a second call returns the rows of
    the first, never a second set. Called inside the order's transaction."""
    existing = list(AppliedDiscount.objects.filter(brand=brand, order_ref=order_ref).order_by("pk"))
    if existing:
        return existing
    from . import flash

    flash.claim_for_result(brand.pk, order_ref, result)  # 409 when sold out: the order rolls back
    coupons = {
        c.code: c
        for c in Coupon.objects.filter(code__in=result.coupons_used, template__brand=brand)
    }
    promo_ids = {a.promotion_id for a in result.applied if a.promotion_id}
    known = set(
        Promotion.objects.filter(pk__in=promo_ids, brand=brand).values_list("pk", flat=True)
    )
    sku_of = {ln.line_id: ln.sku_id for ln in result.lines}
    now = clock.now()
    rows = []
    for a in result.applied:
        if a.promotion_id and a.promotion_id not in known:
            continue
        coupon = coupons.get(a.coupon_code) if a.coupon_code else None
        if a.coupon_code and coupon is None:
            continue
        for line_id, amount in sorted(a.lines.items()):
            rows.append(
                AppliedDiscount(
                    brand=brand,
                    order_ref=order_ref[:64],
                    line_ref=line_id[:64],
                    sku_id=sku_of[line_id],
                    promotion_id=a.promotion_id,
                    coupon=coupon,
                    amount=amount,
                    reason=a.message[:300],
                    created_at=now,
                )
            )
    AppliedDiscount.objects.bulk_create(rows)
    return list(AppliedDiscount.objects.filter(brand=brand, order_ref=order_ref).order_by("pk"))


def stop_promotion(promo: Promotion) -> Promotion:
    return update_promotion(promo, status=Status.ENDED)
