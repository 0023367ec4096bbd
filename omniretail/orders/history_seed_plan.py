"""The demand model behind the demo sales history: what sells, where, when, to whom.

Pure Python on a seeded ``random.Random`` (same seed → same plan), no database. The planted
signals live here as named constants so the truth file, the tests and the demo all read the
same numbers:

- weekly rhythm (Friday–Sunday busier) and daily rhythm (11–13 h and 17–21 h peaks);
- annual seasonality and Chinese holidays (Spring Festival and Mid-Autumn by the lunar
  calendar of each year, 618, Double 11, National Day);
- affinity pairs added to baskets (baijiu gift box → gift bag, beer → snack, cigarettes →
  lighter);
- members buying "till they die": each at a personal rate until an unobserved drop-out;
- online share higher in big cities; tobacco online only as reserve-and-collect.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from omniretail.promotions.seed import MID_AUTUMN, SPRING_FESTIVAL

# ISO weekday (1 = Monday) → traffic factor. Friday to Sunday are the busy days.
WEEKDAY_FACTOR = {1: 0.82, 2: 0.85, 3: 0.9, 4: 0.93, 5: 1.22, 6: 1.38, 7: 1.28}

# Hour of day → relative weight; peaks at lunch (11–13 h) and after work (17–21 h).
HOUR_WEIGHT = {
    7: 0.35, 8: 0.55, 9: 0.6, 10: 0.75, 11: 1.5, 12: 1.8, 13: 1.45, 14: 0.75, 15: 0.7,
    16: 0.85, 17: 1.4, 18: 1.75, 19: 1.8, 20: 1.6, 21: 1.3, 22: 0.55,
}  # fmt: skip
PEAK_HOURS = (11, 12, 13, 17, 18, 19, 20, 21)

BIG_CITIES = frozenset({"上海", "北京", "广州", "深圳"})
ONLINE_SHARE = {"big_city": 0.30, "other": 0.14}
# Online orders: fulfilment mix (pickup, delivery, marketplace).
ONLINE_MIX = (("pickup", 0.42), ("delivery", 0.36), ("marketplace", 0.22))

# Orders per store and day before the weekly/seasonal factors (members come on top).
BASE_ORDERS = {"convenience": 13.0, "flagship": 12.0, "tobacco_liquor": 7.0}
MEMBER_MEAN_GAP_DAYS = 24.0  # mean days between a member's visits while alive
MEMBER_DROPOUT_MEAN = 0.12  # mean chance to drop out after each visit

CATEGORY_MIX = {
    "convenience": {
        "DRINK": 0.28, "SNACK": 0.2, "BEER": 0.15, "CIG": 0.17, "DAILY": 0.1, "BAIJIU": 0.04,
        "WINE": 0.015, "GIFTBOX": 0.015, "LIGHTER": 0.02, "APPAREL": 0.01,
    },
    "tobacco_liquor": {
        "CIG": 0.36, "BAIJIU": 0.27, "WINE": 0.08, "BEER": 0.06, "GIFTBOX": 0.06,
        "DRINK": 0.07, "SNACK": 0.05, "LIGHTER": 0.03, "DAILY": 0.02,
    },
    "flagship": {
        "BAIJIU": 0.25, "CIG": 0.2, "WINE": 0.12, "GIFTBOX": 0.08, "BEER": 0.1, "DRINK": 0.1,
        "SNACK": 0.08, "DAILY": 0.03, "LIGHTER": 0.02, "APPAREL": 0.02,
    },
}  # fmt: skip
QUANTITY = {  # category → (choices, weights)
    "CIG": ((1, 2, 10), (0.62, 0.28, 0.1)),
    "BEER": ((1, 2, 3, 6), (0.35, 0.3, 0.15, 0.2)),
    "DRINK": ((1, 2, 3), (0.6, 0.28, 0.12)),
    "SNACK": ((1, 2), (0.75, 0.25)),
    "BAIJIU": ((1, 2), (0.85, 0.15)),
}

# Planted affinities: (antecedent kind, consequent category, probability the consequent is
# added when the antecedent is in the basket).
AFFINITY_RULES = (
    ("baijiu_gift_box", "GIFTBAG", 0.7),
    ("BEER", "SNACK", 0.5),
    ("CIG", "LIGHTER", 0.4),
)
AFFINITY_FALLBACK = {"GIFTBAG": ("GIFT", "DAILY"), "LIGHTER": ("DAILY",), "SNACK": ("DRINK",)}

GIFT_SEASON_FACTOR = 5.0  # gift-box weight in the two weeks before Spring Festival
TOBACCO_GIFT_FACTOR = 4.0  # cigarettes bought by the carton (gifts) in the same weeks
MID_AUTUMN_GIFT_FACTOR = 3.0
RETURN_RATE = 0.018
CANCEL_RATE = 0.02
LATE_FULFILMENT_RATE = 0.04  # online orders ready/dispatched after the 30-minute promise
RETURN_REASONS = ("质量问题", "买错了", "礼盒破损", "临期商品", "顾客不想要了", "重复购买")


@dataclass(frozen=True)
class SkuInfo:
    pk: int
    code: str
    category: str  # the SKU's own category code (BAIJIU, CIG, …)
    gift_box: bool
    tracks_batches: bool
    shelf_life_days: int | None
    online: bool  # sellable online/marketplace (tobacco is not)
    pickup_only: bool  # shown online, bought at the counter (reserve-and-collect)


@dataclass(frozen=True)
class DayPlan:
    day: dt.date
    traffic: float
    category_factor: dict[str, float]
    gift_box_factor: float
    online_factor: float
    tags: tuple[str, ...]
    carton_factor: float = 1.0  # cigarettes bought by the carton (as gifts)


def holiday_windows(year: int) -> dict[str, tuple[dt.date, dt.date]]:
    """[start, end) of each planted season in ``year`` (lunar dates from the promotion
    calendar, so both seeders agree)."""
    sf = SPRING_FESTIVAL.get(year, dt.date(year, 2, 1))
    ma = MID_AUTUMN.get(year, dt.date(year, 9, 20))
    return {
        "spring_festival_gifts": (sf - dt.timedelta(days=14), sf),
        "spring_festival_holiday": (sf, sf + dt.timedelta(days=7)),
        "mid_autumn_gifts": (ma - dt.timedelta(days=14), ma + dt.timedelta(days=1)),
        "618": (dt.date(year, 6, 1), dt.date(year, 6, 19)),
        "double_11": (dt.date(year, 11, 1), dt.date(year, 11, 12)),
        "national_day": (dt.date(year, 10, 1), dt.date(year, 10, 8)),
    }


def day_plan(day: dt.date) -> DayPlan:
    """Traffic and category factors for one business day."""
    traffic = WEEKDAY_FACTOR[day.isoweekday()]
    # Mild annual swing: summer brings beer and drinks, winter baijiu.
    phase = 2 * math.pi * (day.timetuple().tm_yday - 200) / 365.0
    summer = math.cos(phase)  # +1 mid-July, −1 mid-January
    cats = {
        "BEER": 1 + 0.45 * summer,
        "DRINK": 1 + 0.3 * summer,
        "BAIJIU": 1 - 0.2 * summer,
        "WINE": 1 - 0.1 * summer,
    }
    gift, online, cartons, tags = 1.0, 1.0, 1.0, []
    for name, (start, end) in holiday_windows(day.year).items():
        if not start <= day < end:
            continue
        tags.append(name)
        if name == "spring_festival_gifts":
            traffic *= 1.3
            gift *= GIFT_SEASON_FACTOR
            cats["GIFTBOX"] = cats.get("GIFTBOX", 1) * GIFT_SEASON_FACTOR
            cartons *= TOBACCO_GIFT_FACTOR
        elif name == "spring_festival_holiday":
            traffic *= 0.55
        elif name == "mid_autumn_gifts":
            traffic *= 1.15
            gift *= MID_AUTUMN_GIFT_FACTOR
            cats["GIFTBOX"] = cats.get("GIFTBOX", 1) * MID_AUTUMN_GIFT_FACTOR
        elif name == "618":
            online *= 2.0
        elif name == "double_11":
            online *= 2.5
            traffic *= 1.1
        elif name == "national_day":
            traffic *= 1.35
            cats["BAIJIU"] = cats.get("BAIJIU", 1) * 1.4
    return DayPlan(day, traffic, cats, gift, online, tuple(tags), cartons)


def _cumulative(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def pick(rng: random.Random, items: Sequence, cum: Sequence[float]):  # type: ignore[no-untyped-def]
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def hour_of(rng: random.Random, opens: int, closes: int) -> int:
    hours = [h for h in range(max(opens, 7), min(closes, 23)) if h in HOUR_WEIGHT] or [12]
    return pick(rng, hours, _cumulative([HOUR_WEIGHT[h] for h in hours]))


@dataclass
class Catalog:
    """SKUs by category with a Zipf-like popularity, so some SKUs are fast movers."""

    skus: dict[int, SkuInfo]
    by_cat: dict[str, list[int]] = field(default_factory=dict)
    cum_by_cat: dict[str, list[float]] = field(default_factory=dict)
    gift_boxes: list[int] = field(default_factory=list)
    affinity_sku: dict[str, int] = field(default_factory=dict)  # consequent category → SKU
    affinity_pairs: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def build(cls, skus: list[SkuInfo], rng: random.Random) -> Catalog:
        cat = cls({s.pk: s for s in skus})
        for s in sorted(skus, key=lambda s: s.pk):
            cat.by_cat.setdefault(s.category, []).append(s.pk)
        for code, ids in cat.by_cat.items():
            rng.shuffle(ids)  # popularity rank is random but seeded
            cat.cum_by_cat[code] = _cumulative(
                [1.0 / (rank + 1) ** 0.9 for rank in range(len(ids))]
            )
        cat.gift_boxes = [s.pk for s in skus if s.category == "BAIJIU" and s.gift_box]
        for antecedent, consequent, _p in AFFINITY_RULES:
            target = consequent
            if not cat.by_cat.get(target):
                target = next((c for c in AFFINITY_FALLBACK[consequent] if cat.by_cat.get(c)), "")
            if not target or (antecedent == "baijiu_gift_box" and not cat.gift_boxes):
                continue
            if antecedent not in ("baijiu_gift_box",) and not cat.by_cat.get(antecedent):
                continue
            sku = cat.by_cat[target][0]  # the category's most popular SKU
            cat.affinity_sku[antecedent] = sku
            cat.affinity_pairs.append(
                {
                    "antecedent": antecedent,
                    "consequent_category": target,
                    "consequent_sku": cat.skus[sku].code,
                    "substituted": "" if target == consequent else consequent,
                }
            )
        return cat

    def draw(self, rng: random.Random, category: str) -> int | None:
        ids = self.by_cat.get(category)
        if not ids:
            return None
        return pick(rng, ids, self.cum_by_cat[category])


def basket(
    rng: random.Random, catalog: Catalog, store_type: str, plan: DayPlan, spend: float
) -> list[tuple[int, int]]:
    """(sku id, quantity) lines of one visit, with the planted affinities and seasons."""
    mix = CATEGORY_MIX.get(store_type, CATEGORY_MIX["convenience"])
    cats = [c for c in mix if catalog.by_cat.get(c)]
    if not cats:
        cats = sorted(catalog.by_cat)
        weights = [1.0] * len(cats)
    else:
        weights = [mix[c] * plan.category_factor.get(c, 1.0) for c in cats]
    cum = _cumulative(weights)
    n_items = 1
    while n_items < 4 and rng.random() < 0.32 + 0.08 * min(spend, 2.0):
        n_items += 1
    lines: dict[int, int] = {}
    for _ in range(n_items):
        category = pick(rng, cats, cum)
        sku = catalog.draw(rng, category)
        if category == "BAIJIU" and catalog.gift_boxes:
            # Gift boxes take a larger share of baijiu in the gifting seasons.
            share = min(0.9, 0.2 * plan.gift_box_factor)
            if rng.random() < share:
                sku = catalog.gift_boxes[int(rng.random() ** 2 * len(catalog.gift_boxes))]
        if sku is None:
            continue
        choices, qw = QUANTITY.get(category, ((1, 2), (0.85, 0.15)))
        if category == "CIG" and plan.carton_factor != 1.0:
            qw = (qw[0], qw[1], qw[2] * plan.carton_factor)
        qty = rng.choices(choices, qw)[0]
        lines[sku] = lines.get(sku, 0) + qty
    present = {catalog.skus[s].category for s in lines}
    has_gift_box = any(
        catalog.skus[s].gift_box for s in lines if catalog.skus[s].category == "BAIJIU"
    )
    for antecedent, _consequent, p in AFFINITY_RULES:
        target = catalog.affinity_sku.get(antecedent)
        hit = has_gift_box if antecedent == "baijiu_gift_box" else antecedent in present
        if target and hit and target not in lines and rng.random() < p:
            lines[target] = 1
    return sorted(lines.items())


@dataclass
class MemberPlan:
    pk: int
    store_index: int
    tier_code: str
    visits: list[dt.datetime]
    spend: float
    dropped_out_at: dt.datetime | None


def member_visits(
    rng: random.Random,
    start: dt.datetime,
    end: dt.datetime,
    registered_at: dt.datetime,
    accept: callable,  # type: ignore[valid-type]
) -> tuple[list[dt.datetime], dt.datetime | None]:
    """Buy-till-you-die: visits at a personal Poisson rate (thinned by the weekly rhythm)
    until a drop-out after some visit (geometric, personal probability)."""
    rate = rng.gammavariate(1.3, 1.0 / 1.3) / MEMBER_MEAN_GAP_DAYS  # visits per day
    dropout = rng.betavariate(1.2, 1.2 / MEMBER_DROPOUT_MEAN - 1.2)
    t = max(start, registered_at)
    visits: list[dt.datetime] = []
    max_factor = max(WEEKDAY_FACTOR.values())
    while True:
        t += dt.timedelta(days=rng.expovariate(rate * max_factor))
        if t >= end:
            return visits, None
        if rng.random() * max_factor > accept(t):
            continue
        visits.append(t)
        if rng.random() < dropout:
            return visits, t
