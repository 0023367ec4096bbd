"""Simulating a year of trading in memory: stock pools, pricing, timelines, tenders, points.

The simulation walks the planned orders in time order and decides, for each, exactly what the
services would have written: which lines could be sold (stock-outs drop them), the engine's
prices and promotion allocations, the status timeline, the tenders, the stock movements
(FEFO over lots, moving-average cost), the points earned and what a return gives back.
``history_seed_write`` then bulk-inserts the result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from omniretail.core.money import from_fen, to_fen
from omniretail.promotions import engine
from omniretail.promotions.cart import Cart, CartLine, CartMember, PromotionDef

from . import history_seed_plan as hp

TENDERS_POS = (
    ("wechat", 0.45),
    ("alipay", 0.3),
    ("cash", 0.12),
    ("card", 0.08),
    ("unionpay", 0.05),
)
TENDERS_ONLINE = (("wechat", 0.55), ("alipay", 0.45))
PROVIDER = {"cash": "cash", "card": "card_terminal", "wechat": "sandbox", "alipay": "sandbox",
            "unionpay": "sandbox"}  # fmt: skip


@dataclass(slots=True)
class Line:
    sku: int
    qty: int
    unit: int  # fen
    discount: int
    net: int
    allocations: dict[str, str]
    in_store: bool


@dataclass(slots=True)
class Tender:
    kind: str
    amount: int
    tendered: int | None = None
    change: int = 0
    auth: str = ""
    refunded: int = 0
    refunds: list[tuple[int, dt.datetime]] = field(default_factory=list)  # (fen, at)


@dataclass(slots=True)
class Return:
    at: dt.datetime
    reason: str
    lines: list[tuple[int, int, int]]  # (line_no, quantity, net fen)
    amount: int
    refunded: int = 0
    points: int = 0
    points_balance_after: int = 0
    full: bool = False


@dataclass(slots=True)
class Order:
    store: Any
    channel: str
    mode: str
    created: dt.datetime
    member_id: int | None
    items: list[tuple[int, int]]
    number: str = ""
    reference: str = ""
    external_id: str = ""
    pickup_code: str = ""
    status: str = "created"
    lines: list[Line] = field(default_factory=list)
    list_total: int = 0
    discount_total: int = 0
    total: int = 0
    applied: list[tuple[int, str, int, int]] = field(default_factory=list)  # promo, msg, line, fen
    events: list[tuple[str, str, str, dt.datetime, str]] = field(default_factory=list)
    paid_at: dt.datetime | None = None
    sla_due_at: dt.datetime | None = None
    fulfilled_at: dt.datetime | None = None
    ready_at: dt.datetime | None = None
    sale_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None  # reservation fulfilled/released
    reservation: str = ""  # "", "fulfilled", "released", "active"
    tenders: list[Tender] = field(default_factory=list)
    movements: list[tuple] = field(default_factory=list)
    ret: Return | None = None
    earn: tuple[int, int, int, str] | None = None  # points, balance after, remaining, expires
    late: bool = False
    overdue: bool = False  # planted: still being picked long after the promise

    @property
    def updated_at(self) -> dt.datetime:
        return self.events[-1][3]


@dataclass(slots=True)
class Lot:
    key: tuple
    expiry: dt.date | None
    on_hand: int = 0


@dataclass
class Pool:
    """One (SKU, location) as the ledger sees it: lots, on hand, moving-average value."""

    sku: int
    location: int
    lots: dict[tuple, Lot] = field(default_factory=dict)
    on_hand: int = 0
    value: int = 0
    reserved: int = 0
    rop: int = 2
    target: int = 6
    pending: bool = False
    receipts: int = 0

    def sellable(self, day: dt.date) -> int:
        return sum(
            lot.on_hand for lot in self.lots.values() if lot.expiry is None or lot.expiry >= day
        )


class Simulation:
    def __init__(self, ctx: Any, data: Any, rng: random.Random) -> None:
        self.ctx, self.data, self.rng = ctx, data, rng
        self.pools: dict[tuple[int, int], Pool] = {}
        self.receipt_rows: list[tuple] = []  # movements not tied to an order
        self.heap: list[tuple] = []
        self.seq = 0
        self.lost: dict[tuple[int, int], int] = {}
        self.member_state: dict[int, dict[str, Any]] = {}
        self.points_rows: list[tuple] = []  # (member, kind, points, balance_after, …)
        self.price_cache: dict[tuple, Any] = {}
        self.lots_used: dict[tuple, tuple[int, str, dt.date | None, dt.date | None]] = {}

    # --- stock ------------------------------------------------------------------------------
    def _push(self, at: dt.datetime, kind: str, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, payload))

    def pool(self, sku: int, location: int) -> Pool:
        key = (sku, location)
        p = self.pools.get(key)
        if p is None:
            daily = self.data.daily_demand.get(key, 0.2)
            p = Pool(sku, location, rop=max(2, math.ceil(3 * daily)))
            p.target = max(p.rop + 3, math.ceil(10 * daily))
            self.pools[key] = p
            self._receive(p, self.data.start_at, p.target, "期初库存")
        return p

    def _lot_for(self, p: Pool, day: dt.date) -> Lot:
        info = self.data.catalog.skus[p.sku]
        if not info.tracks_batches:
            key = ("D", p.sku)
            expiry = None
        else:
            key = ("H", p.sku, day.year, day.month)
            produced = day.replace(day=1) - dt.timedelta(days=7)
            expiry = produced + dt.timedelta(days=info.shelf_life_days or 365)
            self.lots_used[key] = (p.sku, f"H{day:%y%m}-{p.sku}", produced, expiry)
        lot = p.lots.get(key)
        if lot is None:
            lot = p.lots[key] = Lot(key, expiry)
        return lot

    def _receive(self, p: Pool, at: dt.datetime, qty: int, reason: str) -> None:
        day = self.data.local_date(at)
        lot = self._lot_for(p, day)
        cost = self.data.cost_fen.get(p.sku, 100)
        p.receipts += 1
        lot.on_hand += qty
        p.on_hand += qty
        p.value += cost * qty
        ref = f"HIST-GR:{p.location}:{p.sku}:{p.receipts}"
        self.receipt_rows.append(
            ("receipt", at, reason, ref, p.sku, p.location, lot.key, qty, cost, cost * qty)
        )

    def _issue(self, p: Pool, qty: int, day: dt.date) -> list[tuple[tuple, int, int]]:
        """FEFO over unexpired lots; moving-average value as ``ledger.post`` computes it."""
        lots = sorted(
            (
                lot
                for lot in p.lots.values()
                if lot.on_hand > 0 and (lot.expiry is None or lot.expiry >= day)
            ),
            key=lambda lot: (lot.expiry is None, lot.expiry or dt.date.max, lot.key),
        )
        out, left = [], qty
        for lot in lots:
            if not left:
                break
            take = min(left, lot.on_hand)
            remaining = p.on_hand - take
            value = -p.value if remaining <= 0 else -((p.value * take) // p.on_hand)
            lot.on_hand -= take
            p.on_hand -= take
            p.value += value
            out.append((lot.key, -take, value))
            left -= take
        assert not left, "issue beyond sellable stock"
        return out

    def _write_off_expired(self, p: Pool, day: dt.date) -> None:
        for lot in p.lots.values():
            if lot.on_hand > 0 and lot.expiry is not None and lot.expiry < day:
                at = self.data.local_dt(lot.expiry + dt.timedelta(days=1), 8, 0)
                qty = lot.on_hand
                remaining = p.on_hand - qty
                value = -p.value if remaining <= 0 else -((p.value * qty) // p.on_hand)
                lot.on_hand = 0
                p.on_hand -= qty
                p.value += value
                self.receipt_rows.append(
                    (
                        "write_off",
                        at,
                        "过期报损",
                        "",
                        p.sku,
                        p.location,
                        lot.key,
                        -qty,
                        abs(value) // qty,
                        value,
                    )
                )

    def _available(self, p: Pool, day: dt.date) -> int:
        self._write_off_expired(p, day)
        return p.sellable(day) - p.reserved

    def advance(self, until: dt.datetime) -> None:
        while self.heap and self.heap[0][0] <= until:
            at, _s, kind, payload = heapq.heappop(self.heap)
            if kind == "receipt":
                p = payload
                p.pending = False
                if p.on_hand < p.target:
                    self._receive(p, at, self._order_qty(p, at), "补货入库")
            elif kind == "return":
                self._apply_return(payload)

    def _order_qty(self, p: Pool, at: dt.datetime) -> int:
        days_left = (self.data.end_at - at).days
        target = p.target if days_left > 10 else max(p.rop, p.target * max(days_left, 1) // 10)
        return max(1, target - p.on_hand)

    def stock_out(self, sku: int, store_pk: int, day: dt.date) -> bool:
        window = self.data.stock_outs.get((sku, store_pk))
        return bool(window and window[0] <= day < window[1])

    def take_lines(self, order: Order) -> list[tuple[int, int]]:
        """Lines that stock allows; during a planted stock-out the shelf stays empty."""
        day = self.data.local_date(order.created)
        kept = []
        for sku, qty in order.items:
            p = self.pool(sku, order.store.floor)
            free = self._available(p, day)
            if free < qty:
                if self.stock_out(sku, order.store.pk, day):
                    self.lost[(sku, order.store.pk)] = self.lost.get((sku, order.store.pk), 0) + qty
                    if free <= 0:
                        continue
                    qty = free
                else:
                    self._receive(
                        p,
                        order.created - dt.timedelta(minutes=20),
                        p.target + qty - free,
                        "紧急调拨补货",
                    )
            kept.append((sku, qty))
        return kept

    def sell(self, order: Order) -> None:
        """The sale movements (or the reservation still held) of a priced order."""
        day = self.data.local_date(order.sale_at or order.created)
        for n, line in enumerate(order.lines, start=1):
            p = self.pool(line.sku, order.store.floor)
            if order.sale_at is None:
                if order.reservation == "active":
                    p.reserved += line.qty
                continue
            free = self._available(p, day)
            if free < line.qty:  # a lot expired between order and hand-over: restock first
                self._receive(
                    p,
                    order.sale_at - dt.timedelta(minutes=20),
                    p.target + line.qty - free,
                    "紧急调拨补货",
                )
            for lot_key, qty, value in self._issue(p, line.qty, day):
                order.movements.append(
                    (
                        "sale",
                        order.sale_at,
                        "",
                        f"order:{order.number}:{n}",
                        line.sku,
                        p.location,
                        lot_key,
                        qty,
                        abs(value) // -qty,
                        value,
                    )
                )
            self._schedule_reorder(p, order)

    def _schedule_reorder(self, p: Pool, order: Order) -> None:
        if p.pending or p.on_hand >= p.rop:
            return
        day = self.data.local_date(order.sale_at or order.created)
        window = self.data.stock_outs.get((p.sku, order.store.pk))
        start = day + dt.timedelta(days=1)
        if (window and window[0] <= start < window[1]) or (window and window[0] <= day < window[1]):
            start = window[1]
        at = self.data.local_dt(start, 7, 0)
        if at < self.data.end_at:
            p.pending = True
            self._push(at, "receipt", p)

    # --- pricing --------------------------------------------------------------------------
    def price(self, order: Order, items: list[tuple[int, int]], tier: str) -> None:
        data = self.data
        channel = {"pos": "pos", "online": "online", "marketplace": "marketplace"}[order.channel]
        prices = data.list_fen[channel]
        cart_lines = tuple(
            CartLine(
                line_id=str(n),
                sku_id=sku,
                quantity=qty,
                unit_price=from_fen(prices[sku]),
                category_ids=data.category_ids[sku],
                brand_id=data.product_brand[sku],
                tags=data.tags.get(sku, frozenset()),
            )
            for n, (sku, qty) in enumerate(items, start=1)
        )
        member = CartMember(order.member_id, tier) if order.member_id else None
        promos = eligible(
            data.promotions_at(order.created),
            order.created.astimezone(data.tz),
            channel,
            order.store,
            member,
        )
        if promos:
            # The engine is pure: the same basket under the same eligible promotions (time,
            # channel, store and member checks already passed) prices the same every time.
            key = (
                channel,
                tier if member else None,
                tuple(p.id for p in promos),
                tuple(items),
                order.store.pk
                if any(p.scope.store_ids or p.scope.region_ids for p in promos)
                else 0,
            )
            result = self.price_cache.get(key)
            if result is None:
                cart = Cart(
                    lines=cart_lines,
                    channel=channel,
                    at=order.created,
                    store_id=order.store.pk,
                    region_id=order.store.region_id,
                    member=member,
                )
                result = engine.price_cart(cart, promos)
                self.price_cache[key] = result
            order.lines = [
                Line(
                    r.sku_id,
                    r.quantity,
                    to_fen(r.unit_price),
                    to_fen(r.discount),
                    to_fen(r.net_amount),
                    {a.key: str(a.amount) for a in r.allocations if a.amount},
                    False,
                )
                for r in result.lines
            ]
            order.list_total = to_fen(result.list_total)
            order.discount_total = to_fen(result.discount_total)
            order.total = to_fen(result.total)
            for a in result.applied:
                if not a.promotion_id:
                    continue
                for line_id, amount in sorted(a.lines.items()):
                    order.applied.append(
                        (a.promotion_id, a.message[:300], int(line_id), to_fen(amount))
                    )
        else:
            order.lines = [
                Line(sku, qty, prices[sku], 0, prices[sku] * qty, {}, False) for sku, qty in items
            ]
            order.list_total = order.total = sum(ln.net for ln in order.lines)
        for line in order.lines:
            line.in_store = order.mode == "pickup" and data.catalog.skus[line.sku].pickup_only

    # --- tenders ----------------------------------------------------------------------------
    def tenders(self, order: Order) -> None:
        rng = self.rng
        mix = TENDERS_POS if order.channel == "pos" else TENDERS_ONLINE
        kind = rng.choices([k for k, _w in mix], [w for _k, w in mix])[0]
        total = order.total
        if total <= 0:
            return
        if order.channel == "pos" and total > 300_00 and rng.random() < 0.15:
            # Split tender: part by card, the rest by a wallet.
            first = (total * rng.randint(30, 70) // 100) or total
            parts = [("card", first), (rng.choice(["wechat", "alipay"]), total - first)]
            parts = [(k, a) for k, a in parts if a > 0]
        else:
            parts = [(kind, total)]
        for k, amount in parts:
            t = Tender(k, amount)
            if k == "cash":
                step = 100_00 if amount > 50_00 else 10_00
                t.tendered = -(-amount // step) * step
                t.change = t.tendered - amount
            elif k == "card":
                t.auth = f"{rng.randint(1, 9999):04d}"
            else:
                t.auth = f"{rng.randint(1, 9998):04d}"
            order.tenders.append(t)

    # --- returns ----------------------------------------------------------------------------
    def plan_return(self, order: Order) -> None:
        rng = self.rng
        at = order.closed_at or order.sale_at or order.created
        at = at + dt.timedelta(days=rng.uniform(0.3, 9))
        if at >= self.data.end_at or not order.lines:
            return
        full = (len(order.lines) == 1 and rng.random() < 0.7) or rng.random() < 0.25
        chosen = (
            list(enumerate(order.lines, start=1))
            if full
            else [rng.choice(list(enumerate(order.lines, start=1)))]
        )
        lines = []
        for no, line in chosen:
            qty = line.qty if full else rng.randint(1, line.qty)
            net = line.net * qty // line.qty
            lines.append((no, qty, net))
        full = all(q == order.lines[no - 1].qty for no, q, _n in lines) and len(lines) == len(
            order.lines
        )
        amount = sum(n for _no, _q, n in lines)
        order.ret = Return(at, rng.choice(hp.RETURN_REASONS), lines, amount, full=full)
        left = amount
        for t in sorted(order.tenders, key=lambda t: -t.amount):
            take = min(left, t.amount - t.refunded)
            if take <= 0:
                continue
            t.refunded += take
            t.refunds.append((take, at))
            left -= take
        order.ret.refunded = amount - left
        self._push(at, "return", order)

    def _apply_return(self, order: Order) -> None:
        ret = order.ret
        assert ret is not None
        for no, qty, _net in ret.lines:
            line = order.lines[no - 1]
            p = self.pool(line.sku, order.store.floor)
            lot = p.lots.get(("D", line.sku))
            if lot is None:
                lot = p.lots[("D", line.sku)] = Lot(("D", line.sku), None)
            cost = p.value // p.on_hand if p.on_hand > 0 else 0
            lot.on_hand += qty
            p.on_hand += qty
            p.value += cost * qty
            order.movements.append(
                (
                    "return",
                    ret.at,
                    ret.reason,
                    f"ret:{order.number}:{no}",
                    line.sku,
                    p.location,
                    lot.key,
                    qty,
                    cost,
                    cost * qty,
                )
            )
        if order.member_id and order.earn and ret.amount > 0:
            self._reverse_points(order)

    # --- members ----------------------------------------------------------------------------
    def member(self, member_id: int) -> dict[str, Any]:
        return self.member_state[member_id]

    def earn_points(self, order: Order) -> None:
        state = self.member(order.member_id)  # type: ignore[arg-type]
        data = self.data
        weighted = 0
        for line in order.lines:
            pct = data.multiplier_of(line.sku)
            weighted += line.net * pct
        tier = data.tiers[state["tier"]]
        points = weighted * data.points_per_yuan * tier["points_pct"] // (100 * 100 * 100)
        state["balance"] += points
        at = order.paid_at
        assert at is not None
        state["last"] = at
        state["touched"] = True
        expires = dt.date(data.local_date(at).year + data.expiry_years, 12, 31)
        entry = {"points": points, "remaining": points, "balance_after": state["balance"],
                 "expires": expires, "at": at, "order": order}  # fmt: skip
        order.earn = entry  # type: ignore[assignment]
        state["spend"] += order.total
        for code in data.tier_order[::-1]:
            if (
                state["spend"] >= data.tiers[code]["threshold"]
                and data.tiers[code]["rank"] > data.tiers[state["tier"]]["rank"]
            ):
                state["tier"] = code
                state["upgraded"] = True
                break

    def _reverse_points(self, order: Order) -> None:
        ret, entry = order.ret, order.earn
        assert ret is not None and entry is not None
        state = self.member(order.member_id)  # type: ignore[arg-type]
        due = entry["points"] * ret.amount // order.total if order.total else 0  # type: ignore[index]
        take = min(due, entry["remaining"], state["balance"])  # type: ignore[index]
        entry["remaining"] -= take  # type: ignore[index]
        state["balance"] -= take
        state["spend"] -= ret.amount
        state["last"] = ret.at
        ret.points = take
        ret.points_balance_after = state["balance"]


def sandbox_id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:24].upper()


def card_id(reference: str) -> str:
    return "CARD" + hashlib.sha256(reference.encode()).hexdigest()[:20].upper()


def cny(fen: int) -> Decimal:
    return from_fen(fen)


def eligible(
    promos: list[PromotionDef], local: dt.datetime, channel: str, store: Any, member: Any
) -> list[PromotionDef]:
    """The promotions the engine would not skip on time, channel, store or member grounds
    (the same checks as its ``_time_check`` and ``_cart_check``), in their given order."""
    out = []
    weekday, t = local.isoweekday(), local.time()
    for p in promos:
        if p.weekdays and weekday not in p.weekdays:
            continue
        if p.time_windows and not any(w.contains(t) for w in p.time_windows):
            continue
        sc = p.scope
        if sc.channels and channel not in sc.channels:
            continue
        if sc.store_ids and store.pk not in sc.store_ids:
            continue
        if sc.region_ids and store.region_id not in sc.region_ids:
            continue
        if (sc.members_only or sc.member_tiers or sc.member_segments) and member is None:
            continue
        if member is not None and sc.member_tiers and member.tier not in sc.member_tiers:
            continue
        if member is not None and sc.member_segments and not sc.member_segments & member.segments:
            continue
        out.append(p)
    return out


def promotion_active(p: PromotionDef, at: dt.datetime) -> bool:
    return (p.starts_at is None or p.starts_at <= at) and (p.ends_at is None or p.ends_at > at)
