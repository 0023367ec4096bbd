"""Reads: promotion and coupon rows as engine definitions, and carts built from catalog data.

The engine never touches the database; these functions are where rows become the frozen
dataclasses it prices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from omniretail.catalog import pricing
from omniretail.catalog.models import PriceKind, Sku, SkuTag
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Store

from . import flash
from .cart import Cart, CartLine, CartMember, CouponDef, PromotionDef, Scope, TimeWindow
from .errors import PromotionError
from .models import Promotion, Status
from .params import ScopeSpec, parse_params


def brand_ids(scope: Any) -> set[int]:
    """Brands the caller sees: brand-wide roles directly, store staff through their stores."""
    ids = set(scope.brand_ids)
    if scope.store_ids:
        ids |= set(Store.objects.filter(pk__in=scope.store_ids).values_list("brand_id", flat=True))
    return ids


def promotions(scope: Any) -> Any:
    return Promotion.objects.filter(brand_id__in=brand_ids(scope))


def promotion_in_scope(scope: Any, promotion_id: int) -> Promotion:
    promo = promotions(scope).filter(pk=promotion_id).first() if 0 < promotion_id < 2**62 else None
    if promo is None:
        raise NotFound(_("promotion"))
    return promo


def scope_def(raw: dict[str, Any]) -> Scope:
    spec = ScopeSpec.model_validate(raw or {})
    return Scope(
        **{k: (frozenset(v) if isinstance(v, list) else v) for k, v in spec.model_dump().items()}
    )


def _clock(text: str) -> dt.time:
    hh, mm = text.split(":")
    return dt.time(int(hh), int(mm))


def promotion_def(row: Promotion) -> PromotionDef:
    return PromotionDef(
        id=row.pk,
        code=row.code,
        name=row.name,
        kind=row.kind,
        params=parse_params(row.kind, row.params),
        scope=scope_def(row.scope),
        priority=row.priority,
        exclusive_group=row.exclusive_group,
        best_for_customer=row.best_for_customer,
        stackable=row.stackable,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        weekdays=frozenset(row.weekdays or []),
        time_windows=tuple(
            TimeWindow(_clock(w["start"]), _clock(w["end"])) for w in row.time_windows or []
        ),
    )


def active_promotions(brand_id: int, at: dt.datetime) -> list[PromotionDef]:
    """Active promotions whose window contains ``at`` (time of day is checked by the engine)."""
    rows = Promotion.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        brand_id=brand_id,
        status=Status.ACTIVE,
        starts_at__lte=at,
    ).order_by("pk")
    return [promotion_def(r) for r in rows]


def category_ids_of_path(path: str) -> frozenset[int]:
    """The category and its ancestors from a materialized path ("000001/000007/")."""
    return frozenset(int(p) for p in path.split("/") if p)


def cart_lines(
    brand_id: int,
    items: Sequence[tuple[int, int]],
    *,
    channel: str,
    store_id: int | None,
    at: dt.datetime,
) -> list[CartLine]:
    """Lines for (sku_id, quantity) pairs at the channel's (and store's) list price.

    Unknown SKUs, SKUs of another brand and SKUs without a list price are refused with one
    error listing them all, so a till can fix the cart in one go."""
    ids = [sku_id for sku_id, _q in items]
    skus = {
        s.pk: s
        for s in Sku.objects.select_related("product", "product__category").filter(
            pk__in=ids, product__brand_id=brand_id
        )
    }
    prices = pricing.resolve_prices(
        list(skus), PriceKind.LIST, store_id=store_id, channel=channel, at=at
    )
    missing = sorted({i for i in ids if i not in skus or i not in prices})
    if missing:
        raise ValidationFailed(
            PromotionError.UNKNOWN_SKU,
            _("Unknown SKUs or SKUs without a price: %(ids)s")
            % {"ids": ", ".join(map(str, missing[:20]))},
            {"sku_ids": missing[:100]},
        )
    tags: dict[int, set[str]] = {}
    for sku_id, code in SkuTag.objects.filter(sku_id__in=list(skus), accepted=True).values_list(
        "sku_id", "tag__code"
    ):
        tags.setdefault(sku_id, set()).add(code)
    lines = []
    for n, (sku_id, qty) in enumerate(items, start=1):
        sku = skus[sku_id]
        lines.append(
            CartLine(
                line_id=str(n),
                sku_id=sku_id,
                quantity=qty,
                unit_price=prices[sku_id].amount,
                category_ids=category_ids_of_path(sku.product.category.path),
                brand_id=sku.product.product_brand_id,
                tags=frozenset(tags.get(sku_id, ())),
            )
        )
    return lines


def cart_member(
    brand_id: int, member_id: int | None, at: dt.datetime | None = None
) -> CartMember | None:
    """The member as pricing sees them: tier, the segments they belong to, and
    ``campaign:<code>`` for each live campaign holding them in its treatment group."""
    if member_id is None:
        return None
    from omniretail.members.models import Member

    row = (
        Member.objects.select_related("tier").filter(pk=member_id, brand_id=brand_id).first()
        if 0 < member_id < 2**62
        else None
    )
    if row is None:
        raise NotFound(_("member"), code=PromotionError.UNKNOWN_MEMBER)
    from .campaigns import treatment_codes_of
    from .segments import segment_codes_of

    segments = segment_codes_of(row.pk)
    if at is not None:
        segments |= treatment_codes_of(row.pk, at)
    return CartMember(member_id=row.pk, tier=row.tier.code, segments=segments)


def build_cart(
    brand_id: int,
    items: Sequence[tuple[int, int]],
    *,
    channel: str,
    store: Store | None,
    at: dt.datetime,
    member_id: int | None = None,
    coupons: Iterable[CouponDef] = (),
) -> Cart:
    return Cart(
        lines=tuple(
            cart_lines(
                brand_id, items, channel=channel, store_id=store.pk if store else None, at=at
            )
        ),
        channel=channel,
        at=at,
        store_id=store.pk if store else None,
        region_id=store.region_id if store else None,
        member=cart_member(brand_id, member_id, at),
        coupons=tuple(coupons),
        flash_remaining=flash.remaining(brand_id, at),
        member_usage=flash.member_usage(member_id),
    )
