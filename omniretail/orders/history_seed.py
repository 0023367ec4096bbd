"""Demo sales history: about a year of orders across every channel, written in bulk.

Seed step ``history`` (order 80) runs after org, staff, catalog, inventory, members,
promotions and tills. It plans demand with the planted signals of ``history_seed_plan``,
simulates trading in time order (``history_seed_sim``: stock, prices, timelines, tenders,
points, returns) and bulk-inserts exactly the rows the services would have written
(``history_seed_write``), so ``check-invariants`` holds. What it planted goes to
``ctx.truth["history"]``.

Size: ``days`` = 365 at scale ≥ 1, else ``max(21, 365 × scale)``; the stores are the seeded
ones (``ctx.objects["stores"]``, themselves scaled). ``ctx.objects["history_days"]`` overrides
the number of days (tests use a few weeks); a large-catalog seed writes ``SCALE_SEED_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections import Counter
from typing import Any

from omniretail.core.seeding import SeedContext, seed_step

from . import history_seed_plan as hp
from . import history_seed_sim as hs
from .history_seed_data import HistoryData, StoreInfo
from .history_seed_timeline import Timeline, truth_of

ORDER = 80
STOCK_OUT_DAYS = 16  # days without deliveries for a planted stock-out (cover is ~10 days)
ANONYMOUS_SHARE = 0.6  # of BASE_ORDERS; members add their own visits on top
# A large-catalog seed (``--scale large``, ``--skus``/``--stores``) is about the catalog and the
# assortments; the demo stores get a quarter of history (planted signals included), not a year.
SCALE_SEED_DAYS = 91


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
        o.reservation, o.overdue = "active", True
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


@seed_step("history", order=ORDER)
def seed_history(ctx: SeedContext) -> None:
    from .history_seed_write import write_all

    started = time.perf_counter()
    stores = ctx.objects.get("stores") or []
    stores = list(stores.values()) if isinstance(stores, dict) else list(stores)
    if not stores or "brand" not in ctx.objects:
        ctx.truth["history"] = {"skipped": "no stores"}
        return
    default = 365 if ctx.scale >= 1 else max(21, round(365 * ctx.scale))
    if ctx.skus or ctx.stores:
        default = min(default, SCALE_SEED_DAYS)
    days = int(ctx.objects.get("history_days") or default)
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
