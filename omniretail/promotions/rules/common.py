"""Shared pieces of the rules: the input/outcome shapes, fen-exact spreading, messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from omniretail.core.money import ZERO, allocate, format_cny, quantize

from ..cart import Cart, CartLine, GiftLine, Reason


@dataclass
class RuleInput:
    promo: Any  # PromotionDef or CouponDef
    cart: Cart
    lines: list[CartLine]  # canonical order
    nets: list[Decimal]  # current net amount per line (whole fen)
    eligible: list[int]  # indexes of lines this promotion may discount

    def unit_net(self, i: int) -> Decimal:
        return self.nets[i] / self.lines[i].quantity

    @property
    def base(self) -> Decimal:
        return sum((self.nets[i] for i in self.eligible), ZERO)


@dataclass
class Outcome:
    """What a rule decided. The sentence is rendered only when asked for: most skipped
    outcomes of a busy calendar are never shown, and translation is not free."""

    reason: Reason
    name: str
    discounts: dict[int, Decimal] = field(default_factory=dict)
    gifts: list[GiftLine] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    units: dict[int, int] = field(
        default_factory=dict
    )  # flash sale: line → units sold at the price

    @property
    def message(self) -> str:
        if self.reason != Reason.APPLIED:
            return message(self.reason, self.name, **self.values)
        total = self.total
        if self.gifts and total <= 0:
            return _("%(name)s: gift included") % {"name": self.name}
        return _("%(name)s: %(amount)s off") % {"name": self.name, "amount": format_cny(total)}

    @property
    def total(self) -> Decimal:
        return sum(self.discounts.values(), ZERO)

    @property
    def applies(self) -> bool:
        return self.reason == Reason.APPLIED


def spread(total: Decimal, idxs: list[int], weights: list[Decimal]) -> dict[int, Decimal]:
    """Split ``total`` over lines in proportion to ``weights`` (each a whole-fen amount the
    line can give up). The total is capped at the weights' sum, so no line goes below zero and
    the parts sum exactly to the (capped) total."""
    cap = sum(weights, ZERO)
    total = min(quantize(total), cap)
    if total <= 0:
        return {}
    if len(idxs) == 1:
        return {idxs[0]: total}
    return {i: p for i, p in zip(idxs, _allocate_fen(total, weights), strict=True) if p > 0}


def _allocate_fen(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``core.money.allocate`` for whole-fen, non-negative weights, in integer fen: the same
    largest-remainder rule (ties to the earliest line), exact, and several times faster on
    the engine's hot path."""
    t = int(total * 100)
    w = [int(x * 100) for x in weights]
    ws = sum(w)
    if ws <= 0:
        return allocate(total, weights)
    floors = [t * x // ws for x in w]
    rems = [t * x % ws for x in w]
    for i in sorted(range(len(w)), key=lambda k: (-rems[k], k))[: t - sum(floors)]:
        floors[i] += 1
    return [Decimal(f).scaleb(-2) for f in floors]


def line_discount(units: Decimal | int, unit_off: Decimal, net: Decimal) -> Decimal:
    """``units × unit_off`` rounded to the fen, never more than the line's net amount."""
    if unit_off <= 0 or units <= 0:
        return ZERO
    return min(quantize(Decimal(units) * unit_off), net)


def applied(name: str, discounts: dict[int, Decimal], gifts: Iterable[GiftLine] = ()) -> Outcome:
    gifts = list(gifts)
    total = sum(discounts.values(), ZERO)
    if total <= 0 and not gifts:
        return skipped(Reason.NO_BENEFIT, name)
    return Outcome(Reason.APPLIED, name, discounts, gifts)


def skipped(reason: Reason, name: str, **kw: Any) -> Outcome:
    return Outcome(reason, name, values=kw)


_TEXTS: dict[Reason, str] = {
    Reason.NOT_STARTED: gettext_noop("%(name)s: not started yet"),
    Reason.ENDED: gettext_noop("%(name)s: has ended"),
    Reason.OUTSIDE_HOURS: gettext_noop("%(name)s: not valid at this time of day"),
    Reason.WRONG_CHANNEL: gettext_noop("%(name)s: not valid on this channel"),
    Reason.WRONG_STORE: gettext_noop("%(name)s: not valid in this store"),
    Reason.MEMBERS_ONLY: gettext_noop("%(name)s: members only"),
    Reason.MEMBER_NOT_ELIGIBLE: gettext_noop("%(name)s: not for this member tier or segment"),
    Reason.NO_ELIGIBLE_LINES: gettext_noop("%(name)s: no eligible items in the cart"),
    Reason.BELOW_THRESHOLD: gettext_noop("%(name)s: spend %(missing)s more"),
    Reason.BELOW_QUANTITY: gettext_noop("%(name)s: add %(missing)s more eligible item(s)"),
    Reason.SOLD_OUT: gettext_noop("%(name)s: sold out"),
    Reason.MEMBER_LIMIT: gettext_noop("%(name)s: purchase limit per member reached"),
    Reason.NO_BENEFIT: gettext_noop("%(name)s: no saving on this cart"),
    Reason.EXCLUSIVE_LOST: gettext_noop("%(name)s: not combined with %(winner)s"),
    Reason.COUPON_NOT_BEST: gettext_noop("%(name)s: a better coupon combination was chosen"),
    Reason.REPLACED_BY_COUPON: gettext_noop("%(name)s: replaced by coupon %(winner)s"),
}


def message(reason: Reason, name: str, **kw: Any) -> str:
    """The shopper-facing sentence for a reason (translated in the active language)."""
    values = {
        "name": name,
        **{k: format_cny(v) if isinstance(v, Decimal) else v for k, v in kw.items()},
    }
    return _(_TEXTS.get(reason, "%(name)s")) % values
