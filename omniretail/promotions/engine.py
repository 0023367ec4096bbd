"""The promotions engine: a pure, deterministic function from (cart, active promotions) to
prices, per-line discount allocations and an explanation.

Order of work (documented because it decides prices):
1. Lines are put in a canonical order, so the same cart prices the same whatever the scan order.
2. Item-level promotions (flash sale, member price, bundle, buy X get Y, Nth item) run before
   order-level ones (% off, amount off, 满减, 满赠); within a stage, higher priority first, then
   lower id. Each sees the lines' net amounts left by the ones before it.
3. An exclusive group applies at most one member: the first that applies in priority order,
   or — when any member is marked best-for-customer — the one giving the largest discount.
4. A non-stackable promotion only touches lines no promotion touched yet, and locks them.
5. Coupons last: every allowed combination (each exclusive coupon alone, any subset of the
   combinable ones) is priced and the cheapest total wins, so adding a coupon to a cart can
   never make it dearer. A coupon that does not stack with promotions is priced against list
   prices with no promotion.
Nothing here writes to a database or reads the clock: the cart carries its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import Any

from django.utils import timezone

from omniretail.core.money import ZERO, quantize

from .cart import (
    Allocation,
    AppliedPromotion,
    Cart,
    CartLine,
    CouponDef,
    GiftLine,
    LineResult,
    PricingResult,
    PromotionDef,
    Reason,
    Scope,
    Skipped,
)
from .params import ITEM_KINDS
from .rules import RULES, Outcome, RuleInput
from .rules.common import skipped

MAX_COUPONS = 5


@dataclass
class _State:
    nets: list[Decimal]
    allocations: list[list[Allocation]]
    touched: set[int] = field(default_factory=set)
    locked: set[int] = field(default_factory=set)
    applied: list[AppliedPromotion] = field(default_factory=list)

    def copy(self) -> _State:
        return _State(
            list(self.nets),
            [list(a) for a in self.allocations],
            set(self.touched),
            set(self.locked),
            list(self.applied),
        )

    @property
    def total(self) -> Decimal:
        return sum(self.nets, ZERO)


def canonical_lines(lines: Sequence[CartLine]) -> list[CartLine]:
    return sorted(lines, key=lambda ln: (ln.sku_id, ln.unit_price, ln.quantity, ln.line_id))


def _cart_check(cart: Cart, scope: Scope, name: str) -> Outcome | None:
    """Cart-level conditions of a scope; ``None`` when they hold."""
    if scope.channels and cart.channel not in scope.channels:
        return skipped(Reason.WRONG_CHANNEL, name)
    if scope.store_ids and cart.store_id not in scope.store_ids:
        return skipped(Reason.WRONG_STORE, name)
    if scope.region_ids and cart.region_id not in scope.region_ids:
        return skipped(Reason.WRONG_STORE, name)
    needs_member = scope.members_only or scope.member_tiers or scope.member_segments
    if needs_member and cart.member is None:
        return skipped(Reason.MEMBERS_ONLY, name)
    member = cart.member
    if member is not None:
        if scope.member_tiers and member.tier not in scope.member_tiers:
            return skipped(Reason.MEMBER_NOT_ELIGIBLE, name)
        if scope.member_segments and not scope.member_segments & member.segments:
            return skipped(Reason.MEMBER_NOT_ELIGIBLE, name)
    return None


def _time_check(cart: Cart, promo: PromotionDef) -> Outcome | None:
    if promo.starts_at is not None and cart.at < promo.starts_at:
        return skipped(Reason.NOT_STARTED, promo.name)
    if promo.ends_at is not None and cart.at >= promo.ends_at:
        return skipped(Reason.ENDED, promo.name)
    if promo.weekdays or promo.time_windows:
        local = timezone.localtime(cart.at)
        if promo.weekdays and local.isoweekday() not in promo.weekdays:
            return skipped(Reason.OUTSIDE_HOURS, promo.name)
        t = local.time()
        if promo.time_windows and not any(w.contains(t) for w in promo.time_windows):
            return skipped(Reason.OUTSIDE_HOURS, promo.name)
    return None


class _Pricer:
    def __init__(self, cart: Cart) -> None:
        self.cart = cart
        self.lines = canonical_lines(cart.lines)
        self._covers: dict[int, list[int]] = {}
        self._indexes: dict[str, dict[Any, set[int]]] = {}

    def covered(self, scope: Scope) -> list[int]:
        """Indexes of lines inside ``scope``, by set operations on per-cart indexes (cached:
        scope matching does not depend on the pricing state)."""
        hit = self._covers.get(id(scope))
        if hit is None:
            hit = self._match(scope)
            self._covers[id(scope)] = hit
        return hit

    def _index(self, attr: str) -> dict[Any, set[int]]:
        idx = self._indexes.get(attr)
        if idx is None:
            idx = {}
            for i, ln in enumerate(self.lines):
                values = getattr(ln, attr)
                for v in values if isinstance(values, frozenset) else (values,):
                    idx.setdefault(v, set()).add(i)
            self._indexes[attr] = idx
        return idx

    def _any(self, attr: str, wanted: frozenset[Any]) -> set[int]:
        idx = self._index(attr)
        out: set[int] = set()
        for v in wanted:
            out |= idx.get(v, set())
        return out

    def _match(self, scope: Scope) -> list[int]:
        if not scope.has_line_rules:
            return list(range(len(self.lines)))
        keep = set(range(len(self.lines)))
        for attr, wanted in (
            ("sku_id", scope.sku_ids),
            ("category_ids", scope.category_ids),
            ("brand_id", scope.brand_ids),
            ("tags", scope.tags),
        ):
            if wanted:
                keep &= self._any(attr, wanted)
        for attr, unwanted in (
            ("sku_id", scope.exclude_sku_ids),
            ("category_ids", scope.exclude_category_ids),
            ("brand_id", scope.exclude_brand_ids),
            ("tags", scope.exclude_tags),
        ):
            if unwanted and keep:
                keep -= self._any(attr, unwanted)
        return sorted(keep)

    def fresh(self) -> _State:
        return _State([quantize(ln.amount) for ln in self.lines], [[] for _ in self.lines])

    def evaluate(self, state: _State, promo: PromotionDef | CouponDef, stackable: bool) -> Outcome:
        if isinstance(promo, PromotionDef):
            bad = _time_check(self.cart, promo)
            if bad is not None:
                return bad
        bad = _cart_check(self.cart, promo.scope, promo.name)
        if bad is not None:
            return bad
        nets, locked, touched = state.nets, state.locked, state.touched
        eligible = [
            i
            for i in self.covered(promo.scope)
            if nets[i] > 0 and i not in locked and (stackable or i not in touched)
        ]
        if not eligible:
            return skipped(Reason.NO_ELIGIBLE_LINES, promo.name)
        return RULES[promo.kind](RuleInput(promo, self.cart, self.lines, state.nets, eligible))

    def apply(
        self,
        state: _State,
        key: str,
        promo: PromotionDef | CouponDef,
        outcome: Outcome,
        stackable: bool,
    ) -> None:
        shares: dict[str, Decimal] = {}
        for i, amount in sorted(outcome.discounts.items()):
            state.nets[i] -= amount
            state.allocations[i].append(Allocation(key, amount))
            state.touched.add(i)
            if not stackable:
                state.locked.add(i)
            shares[self.lines[i].line_id] = amount
        is_coupon = isinstance(promo, CouponDef)
        state.applied.append(
            AppliedPromotion(
                key=key,
                promotion_id=None if is_coupon else promo.id,
                coupon_code=promo.code if is_coupon else "",
                name=promo.name,
                kind=promo.kind,
                discount=outcome.total,
                lines=shares,
                message="",
                outcome=outcome,
                gifts=list(outcome.gifts),
                units={self.lines[i].line_id: u for i, u in sorted(outcome.units.items())},
            )
        )


def _order_key(p: PromotionDef) -> tuple[int, int, int]:
    return (0 if p.kind in ITEM_KINDS else 1, -p.priority, p.id)


def price_cart(cart: Cart, promotions: Sequence[PromotionDef]) -> PricingResult:
    """Price ``cart`` under ``promotions`` (and the cart's coupons). Pure and deterministic."""
    pricer = _Pricer(cart)
    state = pricer.fresh()
    skipped_rows: dict[str, Skipped] = {}
    ordered = sorted(promotions, key=_order_key)
    groups: dict[str, list[PromotionDef]] = {}
    for p in ordered:
        if p.exclusive_group:
            groups.setdefault(p.exclusive_group, []).append(p)
    done_groups: set[str] = set()

    for promo in ordered:
        key = f"P{promo.id}"
        if promo.exclusive_group:
            if promo.exclusive_group in done_groups:
                continue
            done_groups.add(promo.exclusive_group)
            members = groups[promo.exclusive_group]
            outcomes = [(m, pricer.evaluate(state, m, m.stackable)) for m in members]
            winners = [(m, o) for m, o in outcomes if o.applies]
            chosen: tuple[PromotionDef, Outcome] | None = None
            if winners:
                if any(m.best_for_customer for m in members):
                    chosen = max(winners, key=lambda mo: (mo[1].total, -members.index(mo[0])))
                else:
                    chosen = winners[0]
                pricer.apply(state, f"P{chosen[0].id}", chosen[0], chosen[1], chosen[0].stackable)
            for m, o in outcomes:
                if chosen is not None and m is chosen[0]:
                    continue
                if o.applies and chosen is not None:
                    reason, values = Reason.EXCLUSIVE_LOST, {"winner": chosen[0].name}
                else:
                    reason, values = o.reason, o.values
                skipped_rows[f"P{m.id}"] = Skipped(f"P{m.id}", m.id, "", m.name, reason, values)
            continue
        outcome = pricer.evaluate(state, promo, promo.stackable)
        if outcome.applies:
            pricer.apply(state, key, promo, outcome, promo.stackable)
        else:
            skipped_rows[key] = Skipped(
                key, promo.id, "", promo.name, outcome.reason, outcome.values
            )

    final = _best_with_coupons(pricer, state, cart.coupons, skipped_rows)
    return _result(pricer, final, skipped_rows)


def _best_with_coupons(
    pricer: _Pricer,
    promo_state: _State,
    coupons: Sequence[CouponDef],
    skipped_rows: dict[str, Skipped],
) -> _State:
    unique = sorted({c.code: c for c in coupons}.values(), key=lambda c: c.code)
    if not unique:
        return promo_state
    raw_state = pricer.fresh()
    combinable = [c for c in unique if c.combinable]
    candidates: list[tuple[CouponDef, ...]] = [()]
    candidates += [(c,) for c in unique if not c.combinable]
    for r in range(1, len(combinable) + 1):
        candidates += list(combinations(combinable, r))
    single: dict[str, Outcome] = {}
    best: tuple[tuple[Decimal, int, int, tuple[str, ...]], _State, tuple[CouponDef, ...]] | None = (
        None
    )
    for combo in candidates:
        on_promotions = all(c.stacks_with_promotions for c in combo)
        state = (promo_state if on_promotions else raw_state).copy()
        used = 0
        for c in combo:
            outcome = pricer.evaluate(state, c, True)
            if len(combo) == 1:
                single[c.code] = outcome
            if outcome.applies:
                pricer.apply(state, f"C{c.code}", c, outcome, True)
                used += 1
        if combo and used < len(combo):
            continue  # the same prices come from the smaller combination without that coupon
        rank = (state.total, len(combo), 0 if on_promotions else 1, tuple(c.code for c in combo))
        if best is None or rank < best[0]:
            best = (rank, state, combo)
    assert best is not None
    _, state, chosen = best
    chosen_codes = {c.code for c in chosen}
    for c in unique:
        if c.code in chosen_codes:
            continue
        o = single.get(c.code)
        if o is not None and not o.applies:
            reason, values = o.reason, o.values
        else:
            reason, values = Reason.COUPON_NOT_BEST, {}
        skipped_rows[f"C{c.code}"] = Skipped(f"C{c.code}", None, c.code, c.name, reason, values)
    if any(not c.stacks_with_promotions for c in chosen):
        winner = next(c.name for c in chosen if not c.stacks_with_promotions)
        for a in promo_state.applied:
            skipped_rows[a.key] = Skipped(
                a.key,
                a.promotion_id,
                "",
                a.name,
                Reason.REPLACED_BY_COUPON,
                {"winner": winner},
            )
    return state


def _result(pricer: _Pricer, state: _State, skipped_rows: dict[str, Skipped]) -> PricingResult:
    lines = []
    for i, ln in enumerate(pricer.lines):
        list_amount = quantize(ln.amount)
        lines.append(
            LineResult(
                line_id=ln.line_id,
                sku_id=ln.sku_id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                list_amount=list_amount,
                discount=list_amount - state.nets[i],
                net_amount=state.nets[i],
                allocations=state.allocations[i],
            )
        )
    for a in state.applied:
        if a.outcome is not None:
            a.message = a.outcome.message
    gifts: list[GiftLine] = [g for a in state.applied for g in a.gifts]
    list_total = sum((ln.list_amount for ln in lines), ZERO)
    total = state.total
    return PricingResult(
        lines=lines,
        applied=state.applied,
        skipped=[skipped_rows[k] for k in sorted(skipped_rows)],
        gifts=gifts,
        list_total=list_total,
        discount_total=list_total - total,
        total=total,
        coupons_used=[a.coupon_code for a in state.applied if a.coupon_code],
        member_id=pricer.cart.member.member_id if pricer.cart.member else None,
    )
