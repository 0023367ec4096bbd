"""One function per promotion kind: given the eligible lines and their current net amounts,
say how much each line is discounted (fen-exact, never below zero) and why.

Rules never write anything and never read the clock; cart-level conditions (time, channel,
store, member) are checked by the engine before a rule is called.
"""

from __future__ import annotations

from collections.abc import Callable

from ..params import PromotionKind
from . import items, order
from .common import Outcome, RuleInput

RULES: dict[str, Callable[[RuleInput], Outcome]] = {
    PromotionKind.PERCENT_OFF: order.percent_off,
    PromotionKind.AMOUNT_OFF: order.amount_off,
    PromotionKind.SPEND_THRESHOLD: order.spend_threshold,
    PromotionKind.GIFT: order.gift,
    PromotionKind.BUY_X_GET_Y: items.buy_x_get_y,
    PromotionKind.BUNDLE: items.bundle,
    PromotionKind.NTH_ITEM: items.nth_item,
    PromotionKind.MEMBER_PRICE: items.member_price,
    PromotionKind.FLASH_SALE: items.flash_sale,
}

__all__ = ["RULES", "Outcome", "RuleInput"]
