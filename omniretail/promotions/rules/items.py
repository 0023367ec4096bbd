"""Item-level rules: flash sale, member price, bundle, buy X get Y, Nth item.

Units are handled as runs (line, unit price, count) rather than expanded one by one, so a
line of 10,000 bottles costs the same as a line of one.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from omniretail.core.money import ZERO, quantize

from ..cart import Reason
from .common import Outcome, RuleInput, applied, line_discount, skipped, spread

_HUNDRED = Decimal(100)


def flash_sale(inp: RuleInput) -> Outcome:
    """Sale price on listed SKUs for at most the units left and the member's allowance; units
    beyond the limit pay the normal price."""
    promo, p = inp.promo, inp.promo.params
    lines = [i for i in inp.eligible if inp.lines[i].sku_id in p.prices]
    if not lines:
        return skipped(Reason.NO_ELIGIBLE_LINES, promo.name)
    allowance: int | None = None
    if p.quantity_limit is not None:
        allowance = max(0, inp.cart.flash_remaining.get(promo.id, p.quantity_limit))
        if allowance == 0:
            return skipped(Reason.SOLD_OUT, promo.name)
    if p.per_member_limit is not None:
        used = inp.cart.member_usage.get(promo.id, 0) if inp.cart.member else 0
        left = max(0, p.per_member_limit - used)
        if left == 0:
            return skipped(Reason.MEMBER_LIMIT, promo.name)
        allowance = left if allowance is None else min(allowance, left)
    # The deepest cuts first, so a limited allowance goes where it saves the most.
    order = sorted(lines, key=lambda i: (-(inp.unit_net(i) - p.prices[inp.lines[i].sku_id]), i))
    discounts: dict[int, Decimal] = {}
    units_of: dict[int, int] = {}
    for i in order:
        units = (
            inp.lines[i].quantity if allowance is None else min(allowance, inp.lines[i].quantity)
        )
        if units <= 0:
            break
        off = line_discount(units, inp.unit_net(i) - p.prices[inp.lines[i].sku_id], inp.nets[i])
        if off > 0:
            discounts[i] = off
            units_of[i] = units
            if allowance is not None:
                allowance -= units
    outcome = applied(promo.name, discounts)
    outcome.units = units_of
    return outcome


def member_price(inp: RuleInput) -> Outcome:
    """The better of the SKU's member price and the member tier's percentage."""
    promo, p, member = inp.promo, inp.promo.params, inp.cart.member
    if member is None:
        return skipped(Reason.MEMBERS_ONLY, promo.name)
    pct = p.tier_percent_off.get(member.tier)
    if pct is None and not p.prices:
        return skipped(Reason.MEMBER_NOT_ELIGIBLE, promo.name)
    discounts: dict[int, Decimal] = {}
    for i in inp.eligible:
        unit = inp.unit_net(i)
        unit_off = ZERO
        if inp.lines[i].sku_id in p.prices:
            unit_off = unit - p.prices[inp.lines[i].sku_id]
        if pct is not None:
            unit_off = max(unit_off, unit * pct / _HUNDRED)
        off = line_discount(inp.lines[i].quantity, unit_off, inp.nets[i])
        if off > 0:
            discounts[i] = off
    return applied(promo.name, discounts)


def _runs(inp: RuleInput, idxs: list[int]) -> list[tuple[Decimal, int, int]]:
    """(unit net, line index, units), dearest first; ties keep canonical line order."""
    return sorted(
        ((inp.unit_net(i), i, inp.lines[i].quantity) for i in idxs), key=lambda r: (-r[0], r[1])
    )


def _discount_positions(
    inp: RuleInput, idxs: list[int], group: int, paid: int, pct: Decimal
) -> dict[int, Decimal]:
    """Sort units dearest first and cut into groups of ``group``; in each full group the last
    ``group - paid`` units (the cheapest) get ``pct`` off."""
    free = group - paid

    def count(n: int) -> int:  # discounted positions among the first n units
        return (n // group) * free + max(0, n % group - paid)

    total_units = sum(inp.lines[i].quantity for i in idxs)
    full = (total_units // group) * group
    if full == 0:
        return {}
    discounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    start = 0
    for unit, i, units in _runs(inp, idxs):
        end = min(start + units, full)
        if end > start:
            n = count(end) - count(start)
            off = line_discount(n, unit * pct / _HUNDRED, inp.nets[i])
            if off > 0:
                discounts[i] += off
        start += units
    return dict(discounts)


def buy_x_get_y(inp: RuleInput) -> Outcome:
    promo, p = inp.promo, inp.promo.params
    group = p.buy_quantity + p.get_quantity
    units = sum(inp.lines[i].quantity for i in inp.eligible)
    if units < group:
        return skipped(Reason.BELOW_QUANTITY, promo.name, missing=group - units)
    return applied(
        promo.name, _discount_positions(inp, inp.eligible, group, p.buy_quantity, p.percent_off)
    )


def nth_item(inp: RuleInput) -> Outcome:
    """第二件半价: every Nth unit (of the same SKU, or of any eligible SKU) at a discount."""
    promo, p = inp.promo, inp.promo.params
    groups: list[list[int]]
    if p.same_sku:
        by_sku: dict[int, list[int]] = defaultdict(list)
        for i in inp.eligible:
            by_sku[inp.lines[i].sku_id].append(i)
        groups = list(by_sku.values())
    else:
        groups = [inp.eligible]
    best = max(sum(inp.lines[i].quantity for i in g) for g in groups)
    if best < p.nth:
        return skipped(Reason.BELOW_QUANTITY, promo.name, missing=p.nth - best)
    discounts: dict[int, Decimal] = {}
    for g in groups:
        if len(g) > 1 or inp.lines[g[0]].quantity >= p.nth:
            discounts.update(_discount_positions(inp, g, p.nth, p.nth - 1, p.percent_off))
    return applied(promo.name, discounts)


def bundle(inp: RuleInput) -> Outcome:
    """A + B for ¥N: as many complete bundles as the cart holds, built from the dearest units;
    the saving is spread over the bundled units in proportion to their value."""
    promo, p = inp.promo, inp.promo.params
    per_component: list[list[tuple[Decimal, int, int]]] = []
    for comp in p.components:
        idxs = [i for i in inp.eligible if inp.lines[i].sku_id in comp.sku_ids]
        per_component.append(_runs(inp, idxs))
    counts = [
        sum(r[2] for r in runs) // comp.quantity
        for runs, comp in zip(per_component, p.components, strict=True)
    ]
    n = min(counts)
    if n == 0:
        return skipped(Reason.BELOW_QUANTITY, promo.name, missing=1)
    taken: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for runs, comp in zip(per_component, p.components, strict=True):
        need = n * comp.quantity
        for unit, i, units in runs:
            use = min(need, units)
            if use <= 0:
                break
            taken[i] += Decimal(use) * unit
            need -= use
    idxs = sorted(taken)
    weights = [min(quantize(taken[i]), inp.nets[i]) for i in idxs]
    saving = sum(weights, ZERO) - p.price * n
    if saving <= 0:
        return skipped(Reason.NO_BENEFIT, promo.name)
    return applied(promo.name, spread(saving, idxs, weights))
