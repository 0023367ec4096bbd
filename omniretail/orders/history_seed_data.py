"""What the demo history reads before it plans: stores, SKUs with prices and channel rules,
promotions, member states, tiers and earn rules — loaded once, in a handful of queries."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from omniretail.core import clock
from omniretail.core.seeding import SeedContext

from . import history_seed_plan as hp
from . import history_seed_sim as hs


@dataclass(frozen=True)
class StoreInfo:
    pk: int
    code: str
    prefix: str
    store_type: str
    city: str
    region_id: int | None
    floor: int
    opens: int
    closes: int
    online: bool


class HistoryData:
    """Everything the simulation reads, loaded once (a handful of queries)."""

    def __init__(self, ctx: SeedContext, stores: list[Any], days: int) -> None:
        from omniretail.catalog import pricing
        from omniretail.catalog.models import PriceKind, SaleRestriction, Sku, SkuTag
        from omniretail.catalog.restrictions import check_sellable
        from omniretail.core.models import Location, LocationKind
        from omniretail.members import conf as member_conf
        from omniretail.members.models import (
            EarnRule,
            Member,
            MemberStatus,
            PointsEntry,
            PointsKind,
            PointsMultiplier,
            Tier,
        )
        from omniretail.promotions.models import Promotion, Status
        from omniretail.promotions.selectors import category_ids_of_path, promotion_def

        from .services import _prefix

        self.tz = timezone.get_current_timezone()
        self.end_at = clock.now()
        today = clock.today()
        self.today = today
        self.first_day = today - dt.timedelta(days=days)
        self.days = [self.first_day + dt.timedelta(days=i) for i in range(days)]
        self.start_at = self.local_dt(self.first_day, 6, 0)
        brand = ctx.objects["brand"]
        self.brand_id = brand.pk
        floors = {
            loc.store_id: loc.pk
            for loc in Location.objects.filter(
                store__in=stores, kind=LocationKind.STORE_FLOOR
            ).order_by("-pk")
        }
        self.stores = [
            StoreInfo(
                s.pk,
                s.code,
                _prefix(s, "pos"),
                s.store_type,
                s.city,
                s.region_id,
                floors[s.pk],
                s.opens_at.hour if s.opens_at else 8,
                (s.closes_at.hour if s.closes_at else 22) or 24,
                bool(s.fulfils_online),
            )
            for s in sorted(stores, key=lambda s: s.pk)
            if s.pk in floors
        ]
        skus = list(
            Sku.objects.filter(product__brand=brand, status="active")
            .select_related("product__category")
            .order_by("pk")
        )
        self.list_fen: dict[str, dict[int, int]] = {}
        for channel in ("pos", "online", "marketplace"):
            prices = pricing.resolve_prices(
                [s.pk for s in skus], PriceKind.LIST, channel=channel, at=self.end_at
            )
            self.list_fen[channel] = {k: int(v.amount * 100) for k, v in prices.items()}
        costs = pricing.resolve_prices([s.pk for s in skus], PriceKind.COST, at=self.end_at)
        skus = [s for s in skus if s.pk in self.list_fen["pos"] and self.list_fen["pos"][s.pk] > 0]
        self.cost_fen = {
            s.pk: int(costs[s.pk].amount * 100)
            if s.pk in costs
            else self.list_fen["pos"][s.pk] * 6 // 10
            for s in skus
        }
        infos = []
        # Channel rules hang on categories (and rarely on one SKU): check one SKU per category
        # and reuse the verdict, unless the SKU has rules of its own.
        own_rules = set(
            SaleRestriction.objects.filter(sku__isnull=False).values_list("sku_id", flat=True)
        )
        verdicts: dict[Any, tuple[Any, Any, Any]] = {}
        for s in skus:
            key = s.pk if s.pk in own_rules else ("category", s.product.category_id)
            if key not in verdicts:
                verdicts[key] = (
                    check_sellable(s, "online"),
                    check_sellable(s, "marketplace"),
                    check_sellable(s, "pos"),
                )
            online, market, pos = verdicts[key]
            infos.append(
                hp.SkuInfo(
                    s.pk,
                    s.code,
                    s.product.category.code,
                    bool((s.attributes or {}).get("gift_box")),
                    s.tracks_batches,
                    s.shelf_life_days,
                    online.sellable and market.sellable,
                    (not online.sellable) and online.display_allowed and pos.sellable,
                )
            )
        self.catalog = hp.Catalog.build(infos, random.Random(ctx.seed * 7919 + 80))
        self.category_ids = {s.pk: category_ids_of_path(s.product.category.path) for s in skus}
        self.own_category = {s.pk: s.product.category_id for s in skus}
        self.product_brand = {s.pk: s.product.product_brand_id for s in skus}
        self.tags: dict[int, frozenset[str]] = {}
        for sku_id, code in SkuTag.objects.filter(
            sku_id__in=[s.pk for s in skus], accepted=True
        ).values_list("sku_id", "tag__code"):
            self.tags[sku_id] = self.tags.get(sku_id, frozenset()) | {code}
        rows = Promotion.objects.filter(brand=brand, status=Status.ACTIVE).order_by("pk")
        self.promotions = [promotion_def(r) for r in rows]
        self._promo_day: dict[dt.date, list[Any]] = {}
        # Members
        tiers = list(Tier.objects.filter(brand=brand).order_by("rank"))
        self.tiers = {
            t.code: {
                "pk": t.pk,
                "rank": t.rank,
                "threshold": int(t.threshold * 100),
                "points_pct": t.points_multiplier_pct,
            }
            for t in tiers
        }
        self.tier_order = [t.code for t in tiers]
        rule = EarnRule.objects.filter(brand=brand).first()
        self.points_per_yuan = rule.points_per_yuan if rule else 1
        by_sku, by_cat = {}, {}
        for m in PointsMultiplier.objects.filter(brand=brand):
            if m.sku_id:
                by_sku[m.sku_id] = m.multiplier_pct
            elif m.category_id:
                by_cat[m.category_id] = m.multiplier_pct
        self._mult = {
            s.pk: by_sku.get(s.pk) or by_cat.get(s.product.category_id) or 100 for s in skus
        }
        self.expiry_years = int(member_conf.get("POINTS_EXPIRY_YEARS"))
        window_start = clock.business_day_bounds(today - dt.timedelta(days=365))[0]
        seed_spend = Counter()
        for member_id, net in PointsEntry.objects.filter(
            brand=brand,
            kind__in=[PointsKind.EARN, PointsKind.REVERSE],
            created_at__gte=window_start,
            net_amount__isnull=False,
        ).values_list("member_id", "net_amount"):
            seed_spend[member_id] += int(net * 100)
        tier_code = {t.pk: t.code for t in tiers}
        self.members = [
            {
                "pk": pk,
                "store": store_id,
                "registered_at": registered_at,
                "tier": tier_code[tier_id],
                "balance": balance,
                "spend": seed_spend.get(pk, 0),
                "last": last,
            }
            for pk, store_id, registered_at, tier_id, balance, last in Member.objects.filter(
                brand=brand, status=MemberStatus.ACTIVE
            )
            .order_by("pk")
            .values_list(
                "pk",
                "registered_store_id",
                "registered_at",
                "tier_id",
                "points_balance",
                "last_activity_at",
            )
        ]
        self.daily_demand: dict[tuple[int, int], float] = {}
        self.stock_outs: dict[tuple[int, int], tuple[dt.date, dt.date]] = {}
        try:
            self.sla_minutes = int(getattr(settings, "ORDERS_SLA_MINUTES", 30))
        except (TypeError, ValueError):
            self.sla_minutes = 30

    def local_dt(self, day: dt.date, hour: int, minute: int, second: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.tz)

    def local_date(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.tz).date()

    def multiplier_of(self, sku: int) -> int:
        return self._mult.get(sku, 100)

    def promotions_at(self, at: dt.datetime) -> list[Any]:
        day = self.local_date(at)
        candidates = self._promo_day.get(day)
        if candidates is None:
            lo, hi = self.local_dt(day, 0, 0), self.local_dt(day, 23, 59, 59)
            candidates = [
                p
                for p in self.promotions
                if (p.starts_at is None or p.starts_at <= hi)
                and (p.ends_at is None or p.ends_at > lo)
            ]
            self._promo_day[day] = candidates
        return [p for p in candidates if hs.promotion_active(p, at)]
