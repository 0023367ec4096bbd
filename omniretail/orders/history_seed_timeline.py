"""The demo history's order timelines (the status moves each channel makes, with the times a
busy store would take) and the truth it records about what was planted."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from . import history_seed_plan as hp
from . import history_seed_sim as hs
from .history_seed_data import HistoryData


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
            "no_deliveries_from": a.isoformat(),
            "no_deliveries_to": b.isoformat(),
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
            "spring_festival_tobacco_cartons": hp.TOBACCO_GIFT_FACTOR,
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
        "overdue_open_orders": [o.number for o in orders if o.overdue],
        "sla_minutes": data.sla_minutes,
        "returns": {
            "count": len(returns),
            "rate": round(len(returns) / max(1, len(orders)), 4),
            "reasons": dict(Counter(o.ret.reason for o in returns if o.ret)),
            "fully_refunded_orders": sum(1 for o in returns if o.ret and o.ret.full),
        },
        "cancelled": sum(1 for o in orders if o.status == "cancelled"),
    }
