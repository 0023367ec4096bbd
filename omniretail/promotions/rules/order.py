"""Order-level rules: percentage and fixed amount off, 满减 (stepped or 每满 with a cap), 满赠.

Each works on the eligible lines' current net total (after item-level promotions), which is
how shoppers read a 满减 poster: the threshold counts what they actually pay.
"""

from __future__ import annotations

from decimal import Decimal

from omniretail.core.money import quantize

from ..cart import GiftLine, Reason
from .common import Outcome, RuleInput, applied, skipped, spread


def _weights(inp: RuleInput) -> list[Decimal]:
    return [inp.nets[i] for i in inp.eligible]


def percent_off(inp: RuleInput) -> Outcome:
    p, name, base = inp.promo.params, inp.promo.name, inp.base
    if base < p.min_spend:
        return skipped(Reason.BELOW_THRESHOLD, name, missing=p.min_spend - base)
    off = quantize(base * p.percent / 100)
    if p.max_discount is not None:
        off = min(off, p.max_discount)
    return applied(name, spread(off, inp.eligible, _weights(inp)))


def amount_off(inp: RuleInput) -> Outcome:
    p, name, base = inp.promo.params, inp.promo.name, inp.base
    if base < p.min_spend or base <= 0:
        return skipped(Reason.BELOW_THRESHOLD, name, missing=p.min_spend - base)
    return applied(name, spread(p.amount, inp.eligible, _weights(inp)))


def spend_threshold(inp: RuleInput) -> Outcome:
    p, name, base = inp.promo.params, inp.promo.name, inp.base
    first = p.tiers[0]
    if base < first.threshold:
        return skipped(Reason.BELOW_THRESHOLD, name, missing=first.threshold - base)
    if p.repeat:
        off = first.discount * int(base // first.threshold)
    else:
        off = max(t.discount for t in p.tiers if t.threshold <= base)
    if p.cap is not None:
        off = min(off, p.cap)
    return applied(name, spread(off, inp.eligible, _weights(inp)))


def gift(inp: RuleInput) -> Outcome:
    p, name, base = inp.promo.params, inp.promo.name, inp.base
    if base < p.threshold:
        return skipped(Reason.BELOW_THRESHOLD, name, missing=p.threshold - base)
    units = sum(inp.lines[i].quantity for i in inp.eligible)
    if units < p.min_quantity:
        return skipped(Reason.BELOW_QUANTITY, name, missing=p.min_quantity - units)
    return applied(name, {}, [GiftLine(p.gift_sku_id, p.gift_quantity, inp.promo.id)])
