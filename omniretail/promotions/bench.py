"""Engine benchmark: a 50-line cart against 200 active promotions and 5 coupons.

Pure engine time (definitions are built in memory, as the selector would hand them over), so
the figure is what a till pays per re-price; target p95 < 20 ms.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark

from .cart import Cart, CartLine, CartMember, CouponDef, PromotionDef, Scope, TimeWindow
from .engine import price_cart
from .params import PARAMS_BY_KIND, parse_params

AT = dt.datetime(2026, 11, 11, 2, 15, tzinfo=dt.UTC)


def _params(rng: random.Random, kind: str) -> dict[str, Any]:
    sku = rng.randrange(1, 400)
    return {
        "percent_off": {"percent": str(rng.choice([5, 8, 10, 12])), "max_discount": "200"},
        "amount_off": {"amount": "10", "min_spend": str(rng.choice([50, 99, 199]))},
        "spend_threshold": {
            "tiers": [
                {"threshold": "200", "discount": "20"},
                {"threshold": "500", "discount": "60"},
            ]
        },
        "gift": {"threshold": "300", "gift_sku_id": sku},
        "buy_x_get_y": {"buy_quantity": 2, "get_quantity": 1},
        "bundle": {"components": [{"sku_ids": [sku]}, {"sku_ids": [sku + 1]}], "price": "99"},
        "nth_item": {"nth": 2, "percent_off": "50"},
        "member_price": {"tier_percent_off": {"gold": "5"}, "prices": {str(sku): "9.90"}},
        "flash_sale": {"prices": {str(sku): "1.00"}, "quantity_limit": 100, "per_member_limit": 2},
    }[kind]


def make_promotions(rng: random.Random, n: int = 200) -> list[PromotionDef]:
    kinds = list(PARAMS_BY_KIND)
    out = []
    for i in range(1, n + 1):
        kind = kinds[i % len(kinds)]
        scope = Scope(
            category_ids=frozenset(rng.sample(range(1, 30), 3))
            if rng.random() < 0.6
            else frozenset(),
            channels=frozenset({"pos"}) if rng.random() < 0.3 else frozenset(),
            exclude_tags=frozenset({"tobacco"}),
        )
        out.append(
            PromotionDef(
                id=i,
                code=f"B{i}",
                name=f"促销{i}",
                kind=kind,
                params=parse_params(kind, _params(rng, kind)),
                scope=scope,
                priority=rng.randrange(0, 5),
                exclusive_group=f"G{i % 20}" if i % 4 == 0 else "",
                best_for_customer=i % 8 == 0,
                stackable=i % 10 != 0,
                time_windows=(TimeWindow(dt.time(8), dt.time(23)),) if i % 7 == 0 else (),
            )
        )
    return out


def make_cart(rng: random.Random, lines: int = 50, coupons: int = 5) -> Cart:
    cart_lines = tuple(
        CartLine(
            line_id=str(i),
            sku_id=rng.randrange(1, 400),
            quantity=rng.randrange(1, 6),
            unit_price=Decimal(rng.randrange(100, 300_00)) / 100,
            category_ids=frozenset({rng.randrange(1, 30), rng.randrange(1, 30)}),
            brand_id=rng.randrange(1, 40),
            tags=frozenset({"gift"}) if rng.random() < 0.2 else frozenset(),
        )
        for i in range(lines)
    )
    coupon_defs = tuple(
        CouponDef(
            code=f"CPN{i}",
            template_id=i,
            name=f"券{i}",
            kind="amount_off" if i % 2 else "percent_off",
            params=parse_params(
                "amount_off" if i % 2 else "percent_off",
                {"amount": str(10 * i), "min_spend": "100"} if i % 2 else {"percent": "5"},
            ),
            combinable=i < 3,
            stacks_with_promotions=i != 4,
        )
        for i in range(coupons)
    )
    return Cart(
        lines=cart_lines,
        channel="pos",
        at=AT,
        store_id=1,
        region_id=1,
        member=CartMember(1, "gold"),
        coupons=coupon_defs,
    )


@benchmark("promo-engine")
def promo_engine(options: BenchOptions) -> dict[str, Any]:
    """Price a 50-line cart against 200 active promotions and 5 coupons (p50/p95, carts/s)."""
    rng = random.Random(8)
    promotions = make_promotions(rng)
    carts = [make_cart(rng) for _ in range(20)]
    runs = 40 if options.quick else 1_000
    price_cart(carts[0], promotions)  # warm-up
    lat = Latencies()
    start = time.perf_counter()
    applied = 0
    for i in range(runs):
        with lat.measure():
            result = price_cart(carts[i % len(carts)], promotions)
        applied += len(result.applied)
    seconds = time.perf_counter() - start
    return {
        "ops": runs,
        "seconds": round(seconds, 4),
        "carts_per_s": round(runs / seconds, 1),
        "lines": 50,
        "promotions": len(promotions),
        "coupons": 5,
        "mean_applied": round(applied / runs, 1),
        "target_p95_ms": 20,
        **lat.summary(),
    }
