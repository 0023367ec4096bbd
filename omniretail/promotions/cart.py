"""Value types crossing the engine's boundary: the cart going in, definitions, the result.

Plain frozen dataclasses, so the engine is a pure function testable without a database; the
selectors build these from rows, orders/POS will build carts from their own lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from omniretail.core.money import ZERO


@dataclass(frozen=True)
class CartLine:
    line_id: str
    sku_id: int
    quantity: int
    unit_price: Decimal  # list price for the channel and store, whole fen
    category_ids: frozenset[int] = frozenset()  # the SKU's category and all its ancestors
    brand_id: int | None = None  # the product brand (贵州茅台), not the chain
    tags: frozenset[str] = frozenset()

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class CartMember:
    member_id: int
    tier: str = ""
    segments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Scope:
    """Where and to what a promotion applies. Empty sets mean "no restriction"."""

    channels: frozenset[str] = frozenset()
    store_ids: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()  # subtree: matches any descendant too
    brand_ids: frozenset[int] = frozenset()
    tags: frozenset[str] = frozenset()
    sku_ids: frozenset[int] = frozenset()
    member_tiers: frozenset[str] = frozenset()
    member_segments: frozenset[str] = frozenset()
    members_only: bool = False
    exclude_sku_ids: frozenset[int] = frozenset()
    exclude_category_ids: frozenset[int] = frozenset()
    exclude_brand_ids: frozenset[int] = frozenset()
    exclude_tags: frozenset[str] = frozenset()

    @cached_property
    def has_line_rules(self) -> bool:
        return bool(
            self.sku_ids
            or self.category_ids
            or self.brand_ids
            or self.tags
            or self.exclude_sku_ids
            or self.exclude_category_ids
            or self.exclude_brand_ids
            or self.exclude_tags
        )

    def covers_line(self, line: CartLine) -> bool:
        if line.sku_id in self.exclude_sku_ids or line.brand_id in self.exclude_brand_ids:
            return False
        if self.exclude_category_ids & line.category_ids or self.exclude_tags & line.tags:
            return False
        if self.sku_ids and line.sku_id not in self.sku_ids:
            return False
        if self.category_ids and not self.category_ids & line.category_ids:
            return False
        if self.brand_ids and line.brand_id not in self.brand_ids:
            return False
        return not (self.tags and not self.tags & line.tags)


@dataclass(frozen=True)
class TimeWindow:
    """Local wall-clock window; ``start > end`` crosses midnight."""

    start: dt.time
    end: dt.time

    def contains(self, t: dt.time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


@dataclass(frozen=True)
class PromotionDef:
    id: int
    code: str
    name: str
    kind: str
    params: Any  # the validated pydantic model of params.PARAMS_BY_KIND[kind]
    scope: Scope = Scope()
    priority: int = 0  # higher runs (and wins an exclusive group) first
    exclusive_group: str = ""
    best_for_customer: bool = False  # in its exclusive group: pick the largest discount
    stackable: bool = True  # False: only on lines no other promotion touched; locks them
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    weekdays: frozenset[int] = frozenset()  # ISO 1=Mon … 7=Sun; empty = every day
    time_windows: tuple[TimeWindow, ...] = ()


@dataclass(frozen=True)
class CouponDef:
    """An issued coupon resolved to its template (validity and ownership checked by
    ``coupons.resolve_coupons`` before pricing)."""

    code: str
    template_id: int
    name: str
    kind: str
    params: Any
    scope: Scope = Scope()
    combinable: bool = False  # may be used together with other combinable coupons
    stacks_with_promotions: bool = True  # False: priced against list prices alone


@dataclass(frozen=True)
class Cart:
    lines: tuple[CartLine, ...]
    channel: str
    at: dt.datetime
    store_id: int | None = None
    region_id: int | None = None
    member: CartMember | None = None
    coupons: tuple[CouponDef, ...] = ()
    # Flash sales: units left for sale (promotion id → units), and what this member already
    # bought (promotion id → units). Reservation itself belongs to inventory.
    flash_remaining: Mapping[int, int] = field(default_factory=dict)
    member_usage: Mapping[int, int] = field(default_factory=dict)


class Reason(StrEnum):
    APPLIED = "applied"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    OUTSIDE_HOURS = "outside_hours"
    WRONG_CHANNEL = "wrong_channel"
    WRONG_STORE = "wrong_store"
    MEMBERS_ONLY = "members_only"
    MEMBER_NOT_ELIGIBLE = "member_not_eligible"
    NO_ELIGIBLE_LINES = "no_eligible_lines"
    BELOW_THRESHOLD = "below_threshold"
    BELOW_QUANTITY = "below_quantity"
    SOLD_OUT = "sold_out"
    MEMBER_LIMIT = "member_limit"
    NO_BENEFIT = "no_benefit"
    EXCLUSIVE_LOST = "exclusive_lost"
    COUPON_NOT_BEST = "coupon_not_best"
    REPLACED_BY_COUPON = "replaced_by_coupon"


@dataclass(frozen=True)
class Allocation:
    key: str  # "P<id>" for a promotion, "C<code>" for a coupon
    amount: Decimal


@dataclass
class LineResult:
    line_id: str
    sku_id: int
    quantity: int
    unit_price: Decimal
    list_amount: Decimal
    discount: Decimal
    net_amount: Decimal
    allocations: list[Allocation]


@dataclass(frozen=True)
class GiftLine:
    sku_id: int
    quantity: int
    promotion_id: int
    unit_price: Decimal = ZERO


@dataclass
class AppliedPromotion:
    key: str
    promotion_id: int | None
    coupon_code: str
    name: str
    kind: str
    discount: Decimal
    lines: dict[str, Decimal]  # line_id → fen-exact share of ``discount``
    message: str
    gifts: list[GiftLine] = field(default_factory=list)
    outcome: Any = field(default=None, repr=False, compare=False)  # renders ``message`` late
    units: dict[str, int] = field(default_factory=dict)  # flash sale: line_id → units at the price


@dataclass(frozen=True)
class Skipped:
    key: str
    promotion_id: int | None
    coupon_code: str
    name: str
    reason: Reason
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """Rendered on demand in the active language."""
        from .rules.common import message

        return message(self.reason, self.name, **self.values)


@dataclass
class PricingResult:
    lines: list[LineResult]
    applied: list[AppliedPromotion]
    skipped: list[Skipped]
    gifts: list[GiftLine]
    list_total: Decimal
    discount_total: Decimal
    total: Decimal
    coupons_used: list[str]
    member_id: int | None = None

    @property
    def explanation(self) -> list[str]:
        return [a.message for a in self.applied] + [s.message for s in self.skipped]
