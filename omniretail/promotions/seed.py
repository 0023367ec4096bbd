"""Demo promotion calendar: the year a liquor-and-convenience chain actually runs.

Spring Festival gift boxes (满赠 and 满减), Mid-Autumn, 618, Double 11 (best-for-customer
exclusive group), weekend 满减, a Wednesday member day, a Moutai flash sale, 第二件半价 on beer,
a baijiu bundle, happy-hour drinks, plus coupon templates with issued codes. Tobacco is
excluded from every promotion (tobacco discounts are not allowed).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from omniretail.catalog.models import Category, Sku
from omniretail.core import clock
from omniretail.core.seeding import SeedContext, seed_step

from . import coupons, services
from .models import CouponTemplate, Promotion

SPRING_FESTIVAL = {
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
}
MID_AUTUMN = {
    2025: dt.date(2025, 10, 6),
    2026: dt.date(2026, 9, 25),
    2027: dt.date(2027, 9, 15),
    2028: dt.date(2028, 10, 3),
}


def _at(day: dt.date, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _tiers(amounts: list[tuple[int, int]]) -> dict[str, Any]:
    return {"tiers": [{"threshold": str(t), "discount": str(d)} for t, d in amounts]}


def calendar(year: int, cats: dict[str, Category], skus: list[Sku]) -> list[dict[str, Any]]:
    """Promotion definitions for ``year`` (dicts for ``services.create_promotion``)."""
    no_tobacco = [cats[c].pk for c in ("TOB",) if c in cats]

    def scope(*codes: str, **kw: Any) -> dict[str, Any]:
        return {
            "category_ids": [cats[c].pk for c in codes if c in cats],
            "exclude_category_ids": no_tobacco,
            **kw,
        }

    def sku_of(brand_code: str | None, cat: str | None = None) -> Sku | None:
        for s in skus:
            pb = s.product.product_brand
            if (brand_code is None or (pb and pb.code == brand_code)) and (
                cat is None or s.product.category.code == cat
            ):
                return s
        return None

    sf = SPRING_FESTIVAL.get(year, dt.date(year, 2, 1))
    ma = MID_AUTUMN.get(year, dt.date(year, 9, 20))
    gift = sku_of(None, "SNACK") or skus[0]
    moutai = sku_of("MOUTAI") or skus[0]
    baijiu = [s for s in skus if s.product.category.code == "BAIJIU"][:2] or skus[:2]
    out: list[dict[str, Any]] = [
        {
            "code": f"SF{year}-GIFT",
            "name": "春节礼盒满1000赠小食",
            "kind": "gift",
            "params": {"threshold": "1000", "gift_sku_id": gift.pk, "gift_quantity": 1},
            "scope": scope("GIFTBOX", "BAIJIU"),
            "starts_at": _at(sf - dt.timedelta(days=21)),
            "ends_at": _at(sf + dt.timedelta(days=7)),
        },
        {
            "code": f"SF{year}-MJ",
            "name": "春节名酒满1000减100，满2000减260",
            "kind": "spend_threshold",
            "params": _tiers([(1000, 100), (2000, 260)]),
            "scope": scope("LIQ"),
            "priority": 10,
            "starts_at": _at(sf - dt.timedelta(days=21)),
            "ends_at": _at(sf + dt.timedelta(days=7)),
        },
        {
            "code": f"MA{year}-GIFTBOX",
            "name": "中秋礼盒每满500减50（上限300）",
            "kind": "spend_threshold",
            "params": {**_tiers([(500, 50)]), "repeat": True, "cap": "300"},
            "scope": scope("GIFTBOX", "BAIJIU", "WINE"),
            "starts_at": _at(ma - dt.timedelta(days=14)),
            "ends_at": _at(ma + dt.timedelta(days=1)),
        },
        {
            "code": f"618-{year}",
            "name": "618 线上满300减40",
            "kind": "spend_threshold",
            "params": _tiers([(300, 40), (600, 90)]),
            "scope": scope(channels=["online", "marketplace"]),
            "exclusive_group": f"618-{year}",
            "best_for_customer": True,
            "starts_at": _at(dt.date(year, 6, 1)),
            "ends_at": _at(dt.date(year, 6, 19)),
        },
        {
            "code": f"618-{year}-PCT",
            "name": "618 线上全场九折",
            "kind": "percent_off",
            "params": {"percent": "10", "max_discount": "200"},
            "scope": scope(channels=["online", "marketplace"]),
            "exclusive_group": f"618-{year}",
            "starts_at": _at(dt.date(year, 6, 1)),
            "ends_at": _at(dt.date(year, 6, 19)),
        },
        {
            "code": f"D11-{year}",
            "name": "双11 每满200减30",
            "kind": "spend_threshold",
            "params": {**_tiers([(200, 30)]), "repeat": True, "cap": "600"},
            "scope": scope(),
            "exclusive_group": f"D11-{year}",
            "best_for_customer": True,
            "starts_at": _at(dt.date(year, 11, 1)),
            "ends_at": _at(dt.date(year, 11, 12)),
        },
        {
            "code": f"D11-{year}-PCT",
            "name": "双11 名酒八八折",
            "kind": "percent_off",
            "params": {"percent": "12", "max_discount": "500"},
            "scope": scope("BAIJIU"),
            "exclusive_group": f"D11-{year}",
            "starts_at": _at(dt.date(year, 11, 1)),
            "ends_at": _at(dt.date(year, 11, 12)),
        },
        {
            "code": f"WKND-{year}",
            "name": "周末满99减10",
            "kind": "spend_threshold",
            "params": _tiers([(99, 10), (199, 25)]),
            "scope": scope(),
            "weekdays": [5, 6, 7],
            "starts_at": _at(dt.date(year, 1, 1)),
            "ends_at": _at(dt.date(year + 1, 1, 1)),
        },
        {
            "code": f"MDAY-{year}",
            "name": "周三会员日 金卡黑卡95折",
            "kind": "member_price",
            "params": {"tier_percent_off": {"silver": "2", "gold": "5", "black": "8"}},
            "scope": scope(members_only=True),
            "weekdays": [3],
            "starts_at": _at(dt.date(year, 1, 1)),
            "ends_at": _at(dt.date(year + 1, 1, 1)),
        },
        {
            "code": f"BEER2-{year}",
            "name": "啤酒第二件半价",
            "kind": "nth_item",
            "params": {"nth": 2, "percent_off": "50"},
            "scope": scope("BEER"),
            "starts_at": _at(dt.date(year, 6, 1)),
            "ends_at": _at(dt.date(year, 9, 1)),
        },
        {
            "code": f"HAPPY-{year}",
            "name": "傍晚饮料买二送一",
            "kind": "buy_x_get_y",
            "params": {"buy_quantity": 2, "get_quantity": 1},
            "scope": scope("DRINK"),
            "time_windows": [{"start": "17:00", "end": "20:00"}],
            "starts_at": _at(dt.date(year, 1, 1)),
            "ends_at": _at(dt.date(year + 1, 1, 1)),
        },
        {
            "code": f"BUNDLE-{year}",
            "name": "双酒组合价",
            "kind": "bundle",
            "params": {
                "components": [{"sku_ids": [baijiu[0].pk]}, {"sku_ids": [baijiu[-1].pk]}],
                "price": "399",
            },
            "starts_at": _at(dt.date(year, 1, 1)),
            "ends_at": _at(dt.date(year + 1, 1, 1)),
        },
        {
            "code": f"FLASH-{year}",
            "name": "飞天秒杀",
            "kind": "flash_sale",
            "params": {
                "prices": {str(moutai.pk): "1499"},
                "quantity_limit": 200,
                "per_member_limit": 2,
            },
            "scope": scope(channels=["online"], members_only=True),
            "time_windows": [{"start": "10:00", "end": "10:30"}],
            "stackable": False,
            "starts_at": _at(dt.date(year, 11, 11)),
            "ends_at": _at(dt.date(year, 11, 12)),
        },
    ]
    return out


@seed_step("promotions", order=60)
def seed_promotions(ctx: SeedContext) -> None:
    brand = ctx.objects["brand"]
    skus = list(
        Sku.objects.filter(pk__in=[s.pk for s in ctx.objects.get("skus", [])][:500])
        .select_related("product__category", "product__product_brand")
        .order_by("pk")
    )
    if not skus or Promotion.objects.filter(brand=brand).exists():
        return
    cats = {c.code: c for c in Category.objects.filter(brand=brand)}
    year = clock.today().year
    created = 0
    for y in (year, year + 1):
        for data in calendar(y, cats, skus):
            code = data.pop("code")
            services.create_promotion(brand, code=code, status="active", **data)
            created += 1
    now = clock.now()
    templates = [
        ("NEW10", "新人券 满50减10", "amount_off", {"amount": "10", "min_spend": "50"}, {}, True),
        (
            "LIQ100",
            "名酒券 满1000减100",
            "amount_off",
            {"amount": "100", "min_spend": "1000"},
            {"category_ids": [cats["LIQ"].pk]} if "LIQ" in cats else {},
            False,
        ),
        (
            "APP95",
            "App专享95折",
            "percent_off",
            {"percent": "5", "max_discount": "50"},
            {"channels": ["online"]},
            False,
        ),
    ]
    issued = 0
    for code, name, kind, params, scope, combinable in templates:
        tpl = coupons.create_template(
            brand,
            code=code,
            name=name,
            kind=kind,
            params=params,
            scope=scope,
            combinable=combinable,
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=365),
            valid_days=30,
        )
        issued += len(coupons.issue(tpl, ctx.scaled(20, minimum=3)))
    ctx.truth["promotions"] = {
        "promotions": created,
        "coupon_templates": CouponTemplate.objects.filter(brand=brand).count(),
        "coupons_issued": issued,
        "tobacco_excluded": True,
    }


def demo_baskets(
    store: Any, skus: list[Sku], uses: int, count: int = 20
) -> list[list[tuple[int, int]]]:
    """Till baskets worth ¥100–400 at list price, from non-tobacco SKUs the store has enough
    stock of for ``uses`` sales each."""
    from omniretail.catalog import pricing
    from omniretail.pos.selectors import available_at_store

    tobacco = _tobacco_path(store.brand_id)
    candidates = [s for s in skus if not s.product.category.path.startswith(tobacco)]
    ids = [s.pk for s in candidates]
    stock = available_at_store(store.pk, ids)
    prices = pricing.resolve_prices(ids, store_id=store.pk, channel="pos", at=clock.now())
    baskets: list[list[tuple[int, int]]] = []
    for sku in candidates:
        price = prices.get(sku.pk)
        if price is None or price.amount <= 0:
            continue
        qty = max(1, int(100 // price.amount) + 1)
        if qty * price.amount > 400 or stock.get(sku.pk, 0) < qty * uses:
            continue
        baskets.append([(sku.pk, qty)])
        if len(baskets) == count:
            break
    return baskets


def _tobacco_path(brand_id: int) -> str:
    tob = Category.objects.filter(brand_id=brand_id, code="TOB").first()
    return tob.path if tob and tob.path else "\0"


@seed_step("promotions-campaign", order=90)
def seed_campaign(ctx: SeedContext) -> None:
    """A launched campaign with a 20 % holdout whose treatment members buy at a higher planted
    rate than control members, through real till checkouts (a few hundred at most)."""
    from .campaign_demo import plant_campaign
    from .models import Campaign

    brand = ctx.objects["brand"]
    stores = ctx.objects.get("stores") or []
    stores = list(stores.values()) if isinstance(stores, dict) else list(stores)
    if not stores or Campaign.objects.filter(brand=brand, code="CRM-DEMO").exists():
        return
    skus = list(
        Sku.objects.filter(pk__in=[s.pk for s in ctx.objects.get("skus", [])][:2000])
        .select_related("product__category")
        .order_by("pk")
    )
    max_orders = ctx.scaled(240, minimum=40)
    store = baskets = None
    for candidate in stores:
        found = demo_baskets(candidate, skus, uses=max_orders // 10 + 1)
        if len(found) >= 10:
            store, baskets = candidate, found
            break
    if store is None or not baskets:
        ctx.truth["campaign"] = {"skipped": "no store with enough stock"}
        return
    task = ctx.track("promotions: campaign checkouts", 1)
    planted = plant_campaign(
        brand,
        store,
        baskets,
        rng=random.Random(ctx.seed + 90),
        treatment_rate=0.15,
        control_rate=0.10,
        holdout_bp=2000,
        max_orders=max_orders,
    )
    ctx.progress.advance(task)
    ctx.truth["campaign"] = {"code": "CRM-DEMO", "store": store.code, **planted.as_truth()}
