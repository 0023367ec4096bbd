"""The demo sales history: consistent with the ledgers, and carrying the planted signals.

The seed runs once per test module on a tiny size (three stores, three weeks) after the org,
staff, catalog, inventory, members, promotions and till steps; the autouse invariant check then
verifies every ledger after each test.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from rich.progress import Progress

from omniretail.core.money import to_fen
from omniretail.core.seeding import SeedContext

pytestmark = pytest.mark.django_db

DAYS = 21


FROZEN = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai, as frozen_now


def _base_steps(seed: int) -> SeedContext:
    """Org, staff, catalog, inventory, members, promotions and tills on a tiny size: three
    stores (a big-city convenience store, a flagship, a store in a smaller city)."""
    from omniretail.accounts.seed import seed_staff
    from omniretail.catalog.seed import seed_catalog
    from omniretail.core.seed import seed_org
    from omniretail.inventory.seed import seed_inventory
    from omniretail.members.seed import seed_members
    from omniretail.pos.seed import seed_registers
    from omniretail.promotions.seed import seed_promotions

    ctx = SeedContext(
        seed=seed, scale=0.05, rng=random.Random(seed), progress=Progress(disable=True)
    )
    for step in (seed_org, seed_staff, seed_catalog, seed_inventory, seed_members):
        step(ctx)
    seed_promotions(ctx)
    ctx.objects["stores"] = [
        s for s in ctx.objects["stores"] if s.code in ("SH003", "BJ001", "NJ001")
    ]
    seed_registers(ctx)
    ctx.objects["history_days"] = DAYS
    return ctx


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SeedContext]:
    """Seeded once for the module inside a transaction rolled back at its end; each test
    runs in a savepoint of it, and the autouse invariant check covers every test."""
    import time_machine
    from django.db import transaction

    from omniretail.orders.history_seed import seed_history

    with (
        django_db_blocker.unblock(),
        time_machine.travel(FROZEN, tick=False),
        transaction.atomic(),
    ):
        ctx = _base_steps(42)
        seed_history(ctx)
        yield ctx
        transaction.set_rollback(True)


def test_history_writes_orders_on_every_channel_when_seeded(seeded: SeedContext) -> None:
    from omniretail.orders.models import Order

    truth = seeded.truth["history"]
    assert truth["days"] == DAYS and truth["orders"] == Order.objects.count() > 500
    modes = set(Order.objects.values_list("channel", "fulfilment_mode").distinct())
    assert {("pos", "pos_carry_out"), ("online", "pickup"), ("online", "delivery")} <= modes
    assert any(channel == "marketplace" for channel, _m in modes)


def test_payments_equal_order_totals_when_orders_were_paid(seeded: SeedContext) -> None:
    from omniretail.orders.models import Order
    from omniretail.payments.models import LedgerEntry

    captured = dict(
        LedgerEntry.objects.filter(kind="capture")
        .values_list("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    )
    paid = Order.objects.exclude(status__in=["cancelled", "created", "awaiting_payment"])
    assert paid.count() > 500
    for pk, total in paid.values_list("pk", "total"):
        assert to_fen(captured[pk]) == to_fen(total)
    assert not set(captured) & set(
        Order.objects.filter(status="cancelled").values_list("pk", flat=True)
    )


def test_stock_never_goes_negative_when_the_ledger_is_replayed_in_time_order(
    seeded: SeedContext,
) -> None:
    from omniretail.inventory.models import Movement

    balance: dict[tuple[int, int, int], int] = defaultdict(int)
    rows = Movement.objects.order_by("at", "pk").values_list(
        "sku_id", "location_id", "batch_id", "quantity", "kind"
    )
    for sku, loc, batch, qty, _kind in rows.iterator(chunk_size=5000):
        balance[(sku, loc, batch)] += qty
        assert balance[(sku, loc, batch)] >= 0, (sku, loc, batch)
    sold = Movement.objects.filter(kind="sale", reference__startswith="order:").count()
    assert sold > 500


def test_weekly_rhythm_is_recoverable_when_orders_are_counted_by_weekday(
    seeded: SeedContext,
) -> None:
    from omniretail.orders.models import Order

    per_weekday: Counter[int] = Counter()
    per_hour: Counter[int] = Counter()
    for at in Order.objects.values_list("created_at", flat=True):
        local = timezone.localtime(at)
        per_weekday[local.isoweekday()] += 1
        per_hour[local.hour] += 1
    weekend = sum(per_weekday[d] for d in (5, 6, 7)) / 3
    weekday = sum(per_weekday[d] for d in (1, 2, 3, 4)) / 4
    assert weekend > 1.2 * weekday
    peak = sum(per_hour[h] for h in seeded.truth["history"]["peak_hours"]) / 8
    quiet = sum(per_hour[h] for h in (9, 10, 14, 15, 16)) / 5
    assert peak > 1.5 * quiet


def test_planted_affinity_has_high_lift_when_baskets_are_mined(seeded: SeedContext) -> None:
    from omniretail.catalog.models import Sku
    from omniretail.orders.models import OrderLine

    pairs = {p["antecedent"]: p for p in seeded.truth["history"]["affinity_pairs"]}
    assert "BEER" in pairs
    target = Sku.objects.get(code=pairs["BEER"]["consequent_sku"]).pk
    baskets: dict[int, set[int]] = defaultdict(set)
    beer: set[int] = set()
    for order_id, sku_id, category in OrderLine.objects.values_list(
        "order_id", "sku_id", "sku__product__category__code"
    ):
        baskets[order_id].add(sku_id)
        if category == "BEER":
            beer.add(order_id)
    n = len(baskets)
    with_target = {o for o, skus in baskets.items() if target in skus}
    support_both = len(beer & with_target) / n
    lift = support_both / ((len(beer) / n) * (len(with_target) / n))
    assert lift > 2.0


def test_tobacco_is_never_in_a_delivery_order_when_sold_online(seeded: SeedContext) -> None:
    from omniretail.orders.models import OrderLine

    tobacco = OrderLine.objects.filter(sku__product__category__code="CIG")
    assert not tobacco.filter(order__fulfilment_mode__in=["delivery", "ship"]).exists()
    online = tobacco.exclude(order__channel="pos")
    assert online.exists()
    assert set(online.values_list("order__fulfilment_mode", flat=True)) == {"pickup"}
    assert not online.filter(in_store_purchase=False).exists()


def test_truth_records_the_planted_signals_when_seeded(seeded: SeedContext) -> None:
    from omniretail.core.models import AuditLog
    from omniretail.orders.models import Order, OrderReturn

    truth = seeded.truth["history"]
    assert truth["busy_weekdays"] == [5, 6, 7]
    assert truth["holidays"]["2026"]["spring_festival_gifts"] == ["2026-02-03", "2026-02-17"]
    assert truth["seasonal_factors"]["spring_festival_gift_boxes"] >= 3
    assert 0 < truth["members"]["churned_share"] < 1
    assert truth["stock_outs"] and sum(s["lost_units"] for s in truth["stock_outs"]) > 0
    overdue = truth["overdue_open_orders"]
    assert len(overdue) == 2
    for order in Order.objects.filter(number__in=overdue):
        assert order.status == "picking"
    assert truth["returns"]["count"] == OrderReturn.objects.count() > 0
    assert AuditLog.objects.filter(action="orders.return").count() == OrderReturn.objects.count()
    assert truth["rows"]["orders.Order"] == Order.objects.count()


def test_same_seed_plans_the_same_history_when_simulated_twice(seeded: SeedContext) -> None:
    from omniretail.orders.history_seed import HistoryData, simulate

    def plan() -> list[tuple[str, str, int, str, str]]:
        ctx = SeedContext(
            seed=42, scale=0.05, rng=random.Random(42), progress=Progress(disable=True)
        )
        ctx.objects.update(brand=seeded.objects["brand"], stores=seeded.objects["stores"])
        _sim, orders, _truth = simulate(ctx, HistoryData(ctx, seeded.objects["stores"], DAYS))
        return [(o.number, o.channel, o.total, o.status, o.created.isoformat()) for o in orders]

    first = plan()
    assert first and first == plan()


def test_gift_boxes_sell_several_times_normal_when_spring_festival_is_two_weeks_away() -> None:
    from omniretail.orders import history_seed_plan as hp

    skus: list[hp.SkuInfo] = []

    def add(category: str, count: int, gift: bool = False, tobacco: bool = False) -> None:
        for _ in range(count):
            n = len(skus) + 1
            skus.append(hp.SkuInfo(n, f"S{n}", category, gift, False, None, not tobacco, tobacco))

    add("BAIJIU", 9)
    add("BAIJIU", 3, gift=True)
    add("GIFTBOX", 2)
    add("CIG", 10, tobacco=True)
    for category in ("DRINK", "SNACK", "BEER", "WINE", "GIFTBAG", "LIGHTER"):
        add(category, 4)
    catalog = hp.Catalog.build(skus, random.Random(1))
    gifts = {s.pk for s in skus if s.category == "GIFTBOX" or s.gift_box}

    def gift_units_per_day(day: dt.date) -> float:
        rng, plan = random.Random(5), hp.day_plan(day)
        baskets = [hp.basket(rng, catalog, "flagship", plan, 1.0) for _ in range(4000)]
        return plan.traffic * sum(q for b in baskets for sku, q in b if sku in gifts)

    before_festival = gift_units_per_day(dt.date(2026, 2, 10))  # Tuesday, a week before 17 Feb
    ordinary = gift_units_per_day(dt.date(2026, 3, 10))  # a Tuesday in March
    assert before_festival > 3 * ordinary
