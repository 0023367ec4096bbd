"""Tags: manual, rule-based (new arrival, high margin) and suggested by analytics.

Analytics plugs in through ``TagSuggestion`` + ``suggest_tags``: suggestions are stored as
not-yet-accepted SKU tags with a score, for a merchandiser to accept, so a model never changes
what shoppers see on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import ValidationFailed

from .errors import CatalogError
from .models import LifecycleStatus, PriceKind, Sku, SkuTag, Tag, TagRule, TagSource
from .pricing import resolve_prices


@dataclass(frozen=True)
class TagSuggestion:
    sku_id: int
    tag_code: str
    score: Decimal


class TagSuggester(Protocol):
    """What an analytics module implements (e.g. slow movers from sales velocity)."""

    def suggest(self, brand_id: int) -> list[TagSuggestion]: ...


@transaction.atomic
def tag_sku(
    sku: Sku, tag: Tag, *, source: str = TagSource.MANUAL, score: Decimal | None = None
) -> SkuTag:
    if tag.brand_id != sku.product.brand_id:
        raise ValidationFailed(
            CatalogError.UNKNOWN_ATTRIBUTE, _("The tag belongs to another brand.")
        )
    link, created = SkuTag.objects.update_or_create(
        sku=sku,
        tag=tag,
        defaults={
            "source": source,
            "score": score,
            "accepted": source != TagSource.SUGGESTED,
            "created_at": clock.now(),
        },
    )
    if created and source == TagSource.MANUAL:
        audit.record("catalog.tag.add", sku, changes={"tag": tag.code})
    return link


@transaction.atomic
def suggest_tags(brand_id: int, suggestions: list[TagSuggestion]) -> int:
    """Store analytics suggestions as pending tags; never overrides a manual decision."""
    tags = {t.code: t for t in Tag.objects.filter(brand_id=brand_id)}
    stored = 0
    for s in suggestions:
        tag = tags.get(s.tag_code)
        if (
            tag is None
            or SkuTag.objects.filter(sku_id=s.sku_id, tag=tag)
            .exclude(source=TagSource.SUGGESTED)
            .exists()
        ):
            continue
        SkuTag.objects.update_or_create(
            sku_id=s.sku_id,
            tag=tag,
            defaults={
                "source": TagSource.SUGGESTED,
                "score": s.score,
                "accepted": False,
                "created_at": clock.now(),
            },
        )
        stored += 1
    return stored


@transaction.atomic
def evaluate_rule_tags(brand_id: int) -> dict[str, int]:
    """Recompute rule-based tags: new arrival (created within ``days``) and high margin
    ((list − cost) / list ≥ ``min_margin``)."""
    now = clock.now()
    counts: dict[str, int] = {}
    for tag in Tag.objects.filter(brand_id=brand_id).exclude(
        rule__in=[TagRule.MANUAL, TagRule.SUGGESTED]
    ):
        skus = Sku.objects.filter(product__brand_id=brand_id, status=LifecycleStatus.ACTIVE)
        if tag.rule == TagRule.NEW_ARRIVAL:
            since = now - dt.timedelta(days=int(tag.params.get("days", 30)))
            wanted = set(skus.filter(created_at__gte=since).values_list("pk", flat=True))
        else:
            threshold = Decimal(str(tag.params.get("min_margin", "0.35")))
            ids = list(skus.values_list("pk", flat=True))
            lists = resolve_prices(ids, PriceKind.LIST, at=now)
            costs = resolve_prices(ids, PriceKind.COST, at=now)
            wanted = {
                i
                for i in ids
                if i in lists
                and i in costs
                and lists[i].amount > 0
                and (lists[i].amount - costs[i].amount) / lists[i].amount >= threshold
            }
        SkuTag.objects.filter(tag=tag, source=TagSource.RULE).exclude(sku_id__in=wanted).delete()
        have = set(SkuTag.objects.filter(tag=tag).values_list("sku_id", flat=True))
        SkuTag.objects.bulk_create(
            [
                SkuTag(sku_id=i, tag=tag, source=TagSource.RULE, accepted=True, created_at=now)
                for i in sorted(wanted - have)
            ]
        )
        counts[tag.code] = len(wanted)
    return counts
