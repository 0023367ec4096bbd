"""Restricted-sale rules as data, and the one question order and POS services ask:
``check_sellable(sku, channel)``.

Rules hang on a category (covering its subtree) or a single SKU, optionally for one channel:
tobacco is "not sellable online/marketplace, may be shown for in-store purchase"; alcohol
"age check at POS". Only active SKUs are sellable at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from omniretail.core import audit
from omniretail.core.errors import ValidationFailed

from .attributes import ancestor_ids
from .errors import CatalogError
from .models import Category, Channel, LifecycleStatus, RestrictionKind, SaleRestriction, Sku


@dataclass
class Sellability:
    sellable: bool
    channel: str
    requires_age_check: bool = False
    min_age: int | None = None
    display_allowed: bool = True
    reasons: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def rules_for(sku: Sku, channel: str | None = None) -> list[SaleRestriction]:
    category = sku.product.category
    rules = SaleRestriction.objects.filter(Q(sku=sku) | Q(category_id__in=ancestor_ids(category)))
    if channel:
        rules = rules.filter(Q(channel="") | Q(channel=channel))
    return list(rules.order_by("pk"))


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationFailed(
            CatalogError.INVALID_RESTRICTION, _("Unknown channel."), {"channel": channel[:20]}
        )


def check_sellable(sku: Sku, channel: str) -> Sellability:
    """Whether ``sku`` may be sold on ``channel`` and on what condition (age check)."""
    _check_channel(channel)
    return _verdict(sku, channel, rules_for(sku, channel))


def check_sellable_many(skus: list[Sku], channel: str) -> dict[int, Sellability]:
    """``check_sellable`` for a page of SKUs in one query (list pages: no query per row).
    The SKUs need ``product__category`` loaded."""
    _check_channel(channel)
    if not skus:
        return {}
    ancestors = {s.pk: ancestor_ids(s.product.category) for s in skus}
    category_ids = {c for ids in ancestors.values() for c in ids}
    rules = list(
        SaleRestriction.objects.filter(
            Q(sku_id__in=[s.pk for s in skus]) | Q(category_id__in=category_ids)
        )
        .filter(Q(channel="") | Q(channel=channel))
        .order_by("pk")
    )
    return {
        s.pk: _verdict(
            s,
            channel,
            [
                r
                for r in rules
                if r.sku_id == s.pk
                or (r.category_id is not None and r.category_id in ancestors[s.pk])
            ],
        )
        for s in skus
    }


def _verdict(sku: Sku, channel: str, rules: list[SaleRestriction]) -> Sellability:
    result = Sellability(sellable=True, channel=channel)
    if sku.status != LifecycleStatus.ACTIVE:
        result.sellable = False
        result.codes.append("not_active")
        result.reasons.append(
            _("Only active SKUs can be sold (this one is %(status)s).")
            % {"status": sku.get_status_display()}
        )
    for rule in rules:
        if rule.kind == RestrictionKind.NOT_SELLABLE:
            result.sellable = False
            result.display_allowed = result.display_allowed and rule.display_allowed
            result.codes.append("channel_restricted")
            result.reasons.append(rule.note or _("Not sellable on this channel."))
        elif rule.kind == RestrictionKind.AGE_CHECK:
            result.requires_age_check = True
            result.min_age = max(result.min_age or 0, rule.min_age)
            result.codes.append("age_check")
            result.reasons.append(
                rule.note or _("Check the buyer's age (%(age)s+).") % {"age": rule.min_age}
            )
    return result


@transaction.atomic
def add_restriction(
    *,
    kind: str,
    category: Category | None = None,
    sku: Sku | None = None,
    channel: str = "",
    min_age: int = 18,
    display_allowed: bool = True,
    note: str = "",
) -> SaleRestriction:
    if (category is None) == (sku is None):
        raise ValidationFailed(
            CatalogError.INVALID_RESTRICTION,
            _("A rule applies to exactly one category or one SKU."),
        )
    if kind not in RestrictionKind.values or (channel and channel not in Channel.values):
        raise ValidationFailed(CatalogError.INVALID_RESTRICTION, _("Unknown rule kind or channel."))
    if not 0 < min_age < 100:
        raise ValidationFailed(
            CatalogError.INVALID_RESTRICTION, _("The minimum age must be between 1 and 99.")
        )
    rule = SaleRestriction.objects.create(
        kind=kind,
        category=category,
        sku=sku,
        channel=channel,
        min_age=min_age,
        display_allowed=display_allowed,
        note=note[:200],
    )
    audit.record(
        "catalog.restriction.add",
        rule,
        changes={
            "kind": kind,
            "channel": channel,
            "category_id": category.pk if category else None,
            "sku_id": sku.pk if sku else None,
        },
    )
    return rule
