"""Demo sales history: about a year of orders across every channel, written in bulk.

Seed step ``history`` (order 80) runs after org, staff, catalog, inventory, members,
promotions and tills. It plans demand with the planted signals of ``history_seed_plan``,
simulates trading in time order (``history_seed_sim``: stock, prices, timelines, tenders,
points, returns) and bulk-inserts exactly the rows the services would have written
(``history_seed_write``), so ``check-invariants`` holds. What it planted goes to
``ctx.truth["history"]``.

Size: ``days`` = 365 at scale ≥ 1, else ``max(21, 365 × scale)``; the stores are the seeded
ones (``ctx.objects["stores"]``, themselves scaled). ``ctx.objects["history_days"]`` overrides
the number of days (tests use a few weeks).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from omniretail.core import clock
from omniretail.core.seeding import SeedContext, seed_step

from . import history_seed_plan as hp
from . import history_seed_sim as hs

ORDER = 80
STOCK_OUT_DAYS = 10  # days without deliveries for a planted stock-out
ANONYMOUS_SHARE = 0.6  # of BASE_ORDERS; members add their own visits on top


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


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def plan_orders(data: HistoryData, rng: random.Random) -> tuple[list[hs.Order], dict[str, Any]]:
    """Visits (anonymous traffic plus members' buy-till-you-die visits) with their baskets."""
    stores = data.stores
    store_index = {s.pk: i for i, s in enumerate(stores)}
    plans = {d: hp.day_plan(d) for d in data.days}
    orders: list[hs.Order] = []
    end = data.local_dt(data.today, 0, 0)

    def channel_for(store: StoreInfo, plan: hp.DayPlan, member: bool) -> tuple[str, str]:
        if not store.online:
            return "pos", "pos_carry_out"
        share = hp.ONLINE_SHARE["big_city" if store.city in hp.BIG_CITIES else "other"]
        if rng.random() >= min(0.8, share * plan.online_factor):
            return "pos", "pos_carry_out"
        mode = rng.choices([m for m, _w in hp.ONLINE_MIX], [w for _m, w in hp.ONLINE_MIX])[0]
        if mode == "marketplace":
            return "marketplace", "delivery" if rng.random() < 0.7 else "ship"
        return "online", mode

    def visit(store: StoreInfo, day: dt.date, member_id: int | None, spend: float) -> None:
        plan = plans[day]
        channel, mode = channel_for(store, plan, member_id is not None)
        if channel == "marketplace":
            member_id = None
        hour = hp.hour_of(rng, store.opens, store.closes)
        at = data.local_dt(day, hour, rng.randrange(60), rng.randrange(60))
        for _attempt in range(3):
            items = hp.basket(rng, data.catalog, store.store_type, plan, spend)
            if mode in ("delivery", "ship"):
                items = [(s, q) for s, q in items if data.catalog.skus[s].online]
            if items:
                break
        if not items:
            channel, mode = "pos", "pos_carry_out"
            items = hp.basket(rng, data.catalog, store.store_type, plan, spend)
        if items:
            orders.append(hs.Order(store, channel, mode, at, member_id, items))

    for store in stores:
        base = hp.BASE_ORDERS.get(store.store_type, 10.0) * ANONYMOUS_SHARE
        for day in data.days:
            for _ in range(_poisson(rng, base * plans[day].traffic)):
                visit(store, day, None, rng.lognormvariate(0, 0.5))

    def accept(t: dt.datetime) -> float:
        day = data.local_date(t)
        plan = plans.get(day)
        return plan.traffic if plan else 0.0

    members_truth = {"with_visits": 0, "dropped_out": 0}
    dropped: list[int] = []
    for m in data.members:
        idx = store_index.get(m["store"])
        if idx is None:
            idx = m["pk"] % len(stores)
        visits, out_at = hp.member_visits(rng, data.start_at, end, m["registered_at"], accept)
        spend = rng.lognormvariate(0.2, 0.6)
        if visits:
            members_truth["with_visits"] += 1
            if out_at is not None:
                members_truth["dropped_out"] += 1
                dropped.append(m["pk"])
        for t in visits:
            store = stores[idx] if rng.random() < 0.85 else stores[rng.randrange(len(stores))]
            day = data.local_date(t)
            if day in plans:
                visit(store, day, m["pk"], spend)
    orders.sort(key=lambda o: (o.created, o.store.pk))
    members_truth["dropped_out_ids_sample"] = dropped[:20]
    return orders, members_truth


def plan_stock_outs(data: HistoryData, orders: list[hs.Order], rng: random.Random) -> None:
    """Average daily demand per (SKU, floor) for the reorder points, and a few planted
    stock-outs: the busiest SKU × store pairs get a week without deliveries."""
    demand: Counter[tuple[int, int]] = Counter()
    for o in orders:
        for sku, qty in o.items:
            demand[(sku, o.store.floor)] += qty
    n_days = max(1, len(data.days))
    data.daily_demand = {k: v / n_days for k, v in demand.items()}
    floor_store = {s.floor: s.pk for s in data.stores}
    picked: list[tuple[int, int]] = []
    for sku, floor in (k for k, _v in demand.most_common(60)):
        if data.catalog.skus[sku].tracks_batches or any(sku == s or floor == f for s, f in picked):
            continue
        picked.append((sku, floor))
        if len(picked) == max(1, min(4, len(data.stores))):
            break
    for sku, floor in picked:
        span = max(1, n_days - STOCK_OUT_DAYS - 5)
        start = data.first_day + dt.timedelta(days=5 + rng.randrange(max(1, span - 5)))
        if n_days < 60:
            start = data.first_day + dt.timedelta(days=n_days // 4)
        data.stock_outs[(sku, floor_store[floor])] = (
            start,
            start + dt.timedelta(days=STOCK_OUT_DAYS),
        )


def _numbers(data: HistoryData) -> dict[tuple[str, dt.date], int]:
    from omniretail.core.models import DocumentSequence

    prefixes = {s.prefix for s in data.stores}
    return {
        (p, d): v
        for p, d, v in DocumentSequence.objects.filter(
            prefix__in=prefixes, day__gte=data.first_day
        ).values_list("prefix", "day", "last_value")
    }


class Timeline:
    """The status moves each channel makes, with the times a busy store would take."""

    def __init__(self, data: HistoryData, rng: random.Random) -> None:
        self.data, self.rng = data, rng

    def _ev(self, o: hs.Order, kind: str, at: dt.datetime, note: str = "") -> None:
        previous = o.status if kind != "created" else ""
        o.events.append((kind, previous, kind, at, note))
        o.status = kind

    def run(self, o: hs.Order, cancel: bool, late: bool) -> None:
        rng, end = self.rng, self.data.end_at
        t = o.created
        self._ev(o, "created", t)
        self._ev(o, "awaiting_payment", t)
        if o.mode != "pos_carry_out":
            o.reservation = "active"
        if cancel:
            t = t + dt.timedelta(minutes=rng.randint(31, 45))
            self._ev(o, "cancelled", t, "Not paid in time")
            o.reservation, o.closed_at = "released", t
            return
        if o.mode == "pos_carry_out":
            t = t + dt.timedelta(seconds=rng.randint(15, 90))
            o.paid_at = t
            self._ev(o, "paid", t, "Paid in full")
            o.sale_at = t
            self._ev(o, "completed", t)
            return
        t = t + dt.timedelta(seconds=rng.randint(30, 240))
        o.paid_at = t
        o.sla_due_at = t + dt.timedelta(minutes=self.data.sla_minutes)
        self._ev(o, "paid", t, "Paid in full")
        paid = t
        t += dt.timedelta(seconds=rng.randint(30, 180))
        self._ev(o, "allocated", t)
        t += dt.timedelta(seconds=rng.randint(60, 300))
        self._ev(o, "picking", t)
        ready = paid + dt.timedelta(
            minutes=rng.randint(35, 110) if late else rng.randint(9, 27),
            seconds=rng.randint(0, 59),
        )
        ready = max(ready, t + dt.timedelta(minutes=1))
        o.late = late
        target = {"pickup": "ready_for_pickup", "delivery": "out_for_delivery", "ship": "shipped"}[
            o.mode
        ]
        if o.mode == "ship":
            ready = paid + dt.timedelta(hours=rng.uniform(2, 20))
        if ready >= end:
            return
        self._ev(o, target, ready)
        o.fulfilled_at = ready
        if o.mode == "pickup":
            o.ready_at = ready
            done = ready + dt.timedelta(hours=rng.uniform(0.3, 7))
        elif o.mode == "delivery":
            o.sale_at, o.reservation, o.closed_at = ready, "fulfilled", ready
            done = ready + dt.timedelta(minutes=rng.randint(18, 55))
        else:
            o.sale_at, o.reservation, o.closed_at = ready, "fulfilled", ready
            done = ready + dt.timedelta(days=rng.uniform(1, 3))
        if done >= end:
            return
        if o.mode == "pickup":
            o.sale_at, o.reservation, o.closed_at = done, "fulfilled", done
        self._ev(o, "completed", done, "Picked up at the counter" if o.mode == "pickup" else "")


def simulate(
    ctx: SeedContext, data: HistoryData
) -> tuple[hs.Simulation, list[hs.Order], dict[str, Any]]:
    rng = random.Random(ctx.seed * 1_000_003 + ORDER)
    orders, members_truth = plan_orders(data, rng)
    plan_stock_outs(data, orders, rng)
    sim = hs.Simulation(ctx, data, rng)
    for m in data.members:
        sim.member_state[m["pk"]] = {
            **m,
            "upgraded": False,
            "touched": False,
            "seeded_last": m["last"],
        }
    seq = _numbers(data)
    timeline = Timeline(data, rng)
    kept: list[hs.Order] = []
    ext_seq = Counter()
    open_codes: set[tuple[int, str]] = set()
    for o in orders:
        sim.advance(o.created)
        items = sim.take_lines(o)
        if not items:
            continue
        tier = sim.member_state[o.member_id]["tier"] if o.member_id else ""
        sim.price(o, items, tier)
        if o.total <= 0:
            continue
        day = data.local_date(o.created)
        key = (o.store.prefix, day)
        seq[key] = seq.get(key, 0) + 1
        o.number = f"{o.store.prefix}-{day:%Y%m%d}-{seq[key]:06d}"
        if o.channel == "marketplace":
            ext_seq[day] += 1
            o.external_id = f"MT{day:%y%m%d}{ext_seq[day]:06d}"
            o.reference = f"marketplace:{o.external_id}"
        elif o.channel == "pos":
            o.reference = f"pos:rcpt-{o.number}"
        else:
            o.reference = f"web-{o.number}"
        cancel = o.channel != "pos" and rng.random() < hp.CANCEL_RATE
        late = o.channel != "pos" and o.mode != "ship" and rng.random() < hp.LATE_FULFILMENT_RATE
        timeline.run(o, cancel, late)
        if o.mode == "pickup":
            code = f"{rng.randrange(1_000_000):06d}"
            while o.status not in ("completed", "cancelled") and (o.store.pk, code) in open_codes:
                code = f"{rng.randrange(1_000_000):06d}"
            if o.status not in ("completed", "cancelled"):
                open_codes.add((o.store.pk, code))
            o.pickup_code = code
        sim.sell(o)
        if o.paid_at is not None:
            sim.tenders(o)
            if o.member_id:
                sim.earn_points(o)
        if o.status == "completed" and rng.random() < hp.RETURN_RATE:
            sim.plan_return(o)
            if o.ret:
                o.events.append(("returned", "", "", o.ret.at, o.ret.reason))
                if o.ret.full:
                    o.events.append(("refunded", "completed", "refunded", o.ret.at, o.ret.reason))
                    o.status = "refunded"
        kept.append(o)
    sim.advance(data.end_at)
    kept.extend(_overdue_orders(data, sim, seq, rng))
    return sim, kept, members_truth


def _overdue_orders(
    data: HistoryData, sim: hs.Simulation, seq: dict[tuple[str, dt.date], int], rng: random.Random
) -> list[hs.Order]:
    """Two delivery orders of today, paid about an hour ago and still being picked: overdue
    against the 30-minute promise, for the fulfilment board to flag."""
    out = []
    stores = [s for s in data.stores if s.online][:2]
    candidates = [s for s in sorted(data.catalog.skus) if data.catalog.skus[s].online]
    for i, store in enumerate(stores):
        created = data.end_at - dt.timedelta(minutes=75 - 20 * i)
        sku = next(
            (
                s
                for s in candidates
                if sim.pool(s, store.floor).sellable(data.today)
                - sim.pools[(s, store.floor)].reserved
                >= 2
            ),
            None,
        )
        if sku is None:
            continue
        o = hs.Order(store, "online", "delivery", created, None, [(sku, 1)])
        sim.price(o, [(sku, 1)], "")
        day = data.local_date(created)
        key = (store.prefix, day)
        seq[key] = seq.get(key, 0) + 1
        o.number = f"{store.prefix}-{day:%Y%m%d}-{seq[key]:06d}"
        o.reference = f"web-{o.number}"
        tl = Timeline(data, rng)
        tl._ev(o, "created", created)
        tl._ev(o, "awaiting_payment", created)
        o.paid_at = created + dt.timedelta(minutes=2)
        o.sla_due_at = o.paid_at + dt.timedelta(minutes=data.sla_minutes)
        tl._ev(o, "paid", o.paid_at, "Paid in full")
        tl._ev(o, "allocated", o.paid_at + dt.timedelta(minutes=3))
        tl._ev(o, "picking", o.paid_at + dt.timedelta(minutes=8))
        o.reservation = "active"
        sim.sell(o)
        sim.tenders(o)
        out.append(o)
    return out


def _sequences(orders: list[hs.Order], data: HistoryData) -> dict[tuple[str, dt.date], int]:
    last: dict[tuple[str, dt.date], int] = {}
    for o in orders:
        prefix, day, n = o.number.rsplit("-", 2)
        key = (prefix, dt.date(int(day[:4]), int(day[4:6]), int(day[6:])))
        last[key] = max(last.get(key, 0), int(n))
    return last


def truth_of(
    data: HistoryData, sim: hs.Simulation, orders: list[hs.Order], members_truth: dict[str, Any]
) -> dict[str, Any]:
    by_mode = Counter(f"{o.channel}/{o.mode}" for o in orders)
    online = Counter()
    total = Counter()
    for o in orders:
        group = "big_city" if o.store.city in hp.BIG_CITIES else "other"
        total[group] += 1
        online[group] += o.channel != "pos"
    years = sorted({d.year for d in data.days})
    holidays = {
        str(y): {k: [a.isoformat(), b.isoformat()] for k, (a, b) in hp.holiday_windows(y).items()}
        for y in years
    }
    codes = {s.pk: s.code for s in data.stores}
    stock_outs = [
        {
            "sku": data.catalog.skus[sku].code,
            "store": codes[store],
            "from": a.isoformat(),
            "to": b.isoformat(),
            "lost_units": sim.lost.get((sku, store), 0),
        }
        for (sku, store), (a, b) in sorted(data.stock_outs.items())
    ]
    returns = [o for o in orders if o.ret]
    with_visits = members_truth["with_visits"] or 1
    return {
        "first_day": data.first_day.isoformat(),
        "last_day": (data.today - dt.timedelta(days=1)).isoformat(),
        "days": len(data.days),
        "stores": len(data.stores),
        "orders": len(orders),
        "by_channel_mode": dict(sorted(by_mode.items())),
        "weekday_factor": hp.WEEKDAY_FACTOR,
        "busy_weekdays": [5, 6, 7],
        "peak_hours": list(hp.PEAK_HOURS),
        "hour_weight": hp.HOUR_WEIGHT,
        "holidays": holidays,
        "seasonal_factors": {
            "spring_festival_gift_boxes": hp.GIFT_SEASON_FACTOR,
            "spring_festival_tobacco": hp.TOBACCO_GIFT_FACTOR,
            "mid_autumn_gift_boxes": hp.MID_AUTUMN_GIFT_FACTOR,
            "618_online": 2.0,
            "double_11_online": 2.5,
            "national_day_traffic": 1.35,
        },
        "affinity_pairs": data.catalog.affinity_pairs,
        "members": {
            "model": "buy-till-you-die (Poisson visits, geometric drop-out)",
            "mean_gap_days": hp.MEMBER_MEAN_GAP_DAYS,
            "dropout_per_visit_mean": hp.MEMBER_DROPOUT_MEAN,
            "with_visits": members_truth["with_visits"],
            "dropped_out": members_truth["dropped_out"],
            "churned_share": round(members_truth["dropped_out"] / with_visits, 3),
            "dropped_out_ids_sample": members_truth["dropped_out_ids_sample"],
            "tier_upgrades": sum(1 for s in sim.member_state.values() if s["upgraded"]),
        },
        "online_share": {
            "planted": hp.ONLINE_SHARE,
            "observed": {g: round(online[g] / total[g], 3) for g in total if total[g]},
            "big_cities": sorted(hp.BIG_CITIES),
        },
        "tobacco": {
            "online": "reserve-and-collect only (pickup, lines flagged in_store_purchase)",
            "in_store_purchase_lines": sum(ln.in_store for o in orders for ln in o.lines),
        },
        "stock_outs": stock_outs,
        "late_fulfilments": sum(1 for o in orders if o.late),
        "overdue_open_orders": [o.number for o in orders if o.status == "picking"],
        "sla_minutes": data.sla_minutes,
        "returns": {
            "count": len(returns),
            "rate": round(len(returns) / max(1, len(orders)), 4),
            "reasons": dict(Counter(o.ret.reason for o in returns if o.ret)),
            "fully_refunded_orders": sum(1 for o in returns if o.ret and o.ret.full),
        },
        "cancelled": sum(1 for o in orders if o.status == "cancelled"),
    }


@seed_step("history", order=ORDER)
def seed_history(ctx: SeedContext) -> None:
    from .history_seed_write import write_all

    started = time.perf_counter()
    stores = ctx.objects.get("stores") or []
    stores = list(stores.values()) if isinstance(stores, dict) else list(stores)
    if not stores or "brand" not in ctx.objects:
        ctx.truth["history"] = {"skipped": "no stores"}
        return
    days = int(
        ctx.objects.get("history_days")
        or (365 if ctx.scale >= 1 else max(21, round(365 * ctx.scale)))
    )
    data = HistoryData(ctx, stores, days)
    if not data.catalog.skus or not data.stores:
        ctx.truth["history"] = {"skipped": "no sellable SKUs"}
        return
    sim, orders, members_truth = simulate(ctx, data)
    planned = time.perf_counter() - started
    rows = write_all(ctx, data, sim, orders, _sequences(orders, data))
    truth = truth_of(data, sim, orders, members_truth)
    truth["rows"] = rows
    truth["seconds"] = {"plan": round(planned, 1), "total": round(time.perf_counter() - started, 1)}
    ctx.truth["history"] = truth
