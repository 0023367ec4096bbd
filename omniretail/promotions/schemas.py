"""API schemas of promotions. Inputs forbid unknown fields; money goes out as strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field, field_validator

from omniretail.core.schemas import InputSchema

Kind = Literal[
    "percent_off",
    "amount_off",
    "spend_threshold",
    "gift",
    "buy_x_get_y",
    "bundle",
    "nth_item",
    "member_price",
    "flash_sale",
]
CouponKind = Literal["percent_off", "amount_off", "spend_threshold"]
StatusIn = Literal["draft", "active", "paused", "ended"]
ChannelIn = Literal["pos", "online", "marketplace"]
HHMM = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
_MIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_MAX = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Naive times are read in the business time zone; dates far outside this century are
    refused rather than overflowing later arithmetic."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not _MIN <= value <= _MAX:
        raise ValueError("date must be between 2000 and 2100")
    return value


class WindowIO(Schema):
    start: str = HHMM
    end: str = HHMM


class PromotionIn(InputSchema):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    kind: Kind
    params: dict[str, Any]
    scope: dict[str, Any] = {}
    priority: int = Field(default=0, ge=-1000, le=1000)
    exclusive_group: str = Field(default="", max_length=40)
    best_for_customer: bool = False
    stackable: bool = True
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    weekdays: list[int] = Field(default=[], max_length=7)
    time_windows: list[WindowIO] = Field(default=[], max_length=6)
    status: StatusIn = "draft"

    _aware_times = field_validator("starts_at", "ends_at")(_aware)


class PromotionPatch(InputSchema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    kind: Kind | None = None
    params: dict[str, Any] | None = None
    scope: dict[str, Any] | None = None
    priority: int | None = Field(default=None, ge=-1000, le=1000)
    exclusive_group: str | None = Field(default=None, max_length=40)
    best_for_customer: bool | None = None
    stackable: bool | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    weekdays: list[int] | None = Field(default=None, max_length=7)
    time_windows: list[WindowIO] | None = Field(default=None, max_length=6)
    status: StatusIn | None = None

    _aware_times = field_validator("starts_at", "ends_at")(_aware)


class PromotionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    params: dict[str, Any]
    scope: dict[str, Any]
    priority: int
    exclusive_group: str
    best_for_customer: bool
    stackable: bool
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    weekdays: list[int]
    time_windows: list[WindowIO]
    status: str


class CartLineIn(InputSchema):
    sku_id: int = Field(ge=1, le=2**62)
    quantity: int = Field(ge=1, le=10_000)


class PriceCartIn(InputSchema):
    store_id: int | None = Field(default=None, ge=1, le=2**62)
    channel: ChannelIn = "pos"
    lines: list[CartLineIn] = Field(min_length=1, max_length=200)
    member_id: int | None = Field(default=None, ge=1, le=2**62)
    coupon_codes: list[str] = Field(default=[], max_length=5)


class AllocationOut(Schema):
    key: str
    amount: Decimal


class PricedLineOut(Schema):
    line_id: str
    sku_id: int
    quantity: int
    unit_price: Decimal
    list_amount: Decimal
    discount: Decimal
    net_amount: Decimal
    allocations: list[AllocationOut]


class AppliedOut(Schema):
    key: str
    promotion_id: int | None
    coupon_code: str
    name: str
    kind: str
    discount: Decimal
    message: str


class SkippedOut(Schema):
    key: str
    promotion_id: int | None
    coupon_code: str
    name: str
    reason: str
    message: str


class GiftOut(Schema):
    sku_id: int
    quantity: int
    promotion_id: int


class PriceCartOut(Schema):
    lines: list[PricedLineOut]
    applied: list[AppliedOut]
    skipped: list[SkippedOut]
    gifts: list[GiftOut]
    list_total: Decimal
    discount_total: Decimal
    total: Decimal
    coupons_used: list[str]
    explanation: list[str]


class TemplateIn(InputSchema):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=120)
    kind: CouponKind
    params: dict[str, Any]
    scope: dict[str, Any] = {}
    combinable: bool = False
    stacks_with_promotions: bool = True
    valid_from: dt.datetime
    valid_until: dt.datetime
    valid_days: int | None = Field(default=None, ge=1, le=3650)
    uses_per_coupon: int = Field(default=1, ge=1, le=1000)
    per_member_limit: int | None = Field(default=None, ge=1, le=1000)
    redemptions_per_member: int | None = Field(default=None, ge=1, le=1000)
    redemptions_per_phone: int | None = Field(default=None, ge=1, le=1000)

    _aware_times = field_validator("valid_from", "valid_until")(_aware)


class TemplateOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    params: dict[str, Any]
    scope: dict[str, Any]
    combinable: bool
    stacks_with_promotions: bool
    valid_from: dt.datetime
    valid_until: dt.datetime
    valid_days: int | None
    uses_per_coupon: int
    per_member_limit: int | None
    redemptions_per_member: int | None
    redemptions_per_phone: int | None
    status: str


class IssueIn(InputSchema):
    count: int = Field(default=1, ge=1, le=10_000)
    member_id: int | None = Field(default=None, ge=1, le=2**62)


class CouponOut(Schema):
    code: str
    template_id: int
    member_id: int | None
    valid_from: dt.datetime
    valid_until: dt.datetime
    max_uses: int
    uses: int


class IssueOut(Schema):
    coupons: list[CouponOut]


class ValidateIn(InputSchema):
    code: str = Field(min_length=1, max_length=40)
    channel: ChannelIn = "pos"
    member_id: int | None = Field(default=None, ge=1, le=2**62)


class PromoSegmentIn(InputSchema):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["rules", "rfm"] = "rules"
    rules: dict[str, Any] = {}


class PromoSegmentOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    rules: dict[str, Any]
    member_count: int
    refreshed_at: dt.datetime | None


class PromoSegmentIssueIn(InputSchema):
    segment_id: int = Field(ge=1, le=2**62)


class PromoSegmentIssueOut(Schema):
    issued: int
    skipped: int


class PromoCampaignIn(InputSchema):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=120)
    segment_id: int = Field(ge=1, le=2**62)
    starts_at: dt.datetime
    ends_at: dt.datetime
    budget: Decimal = Field(default=Decimal("0"), ge=0, le=10**10, decimal_places=2)
    holdout_bp: int = Field(default=1000, ge=0, le=9000)
    promotion_ids: list[int] = Field(default=[], max_length=50)
    template_ids: list[int] = Field(default=[], max_length=50)
    seed: str | None = Field(default=None, min_length=1, max_length=40)

    _aware_times = field_validator("starts_at", "ends_at")(_aware)


class PromoCampaignOut(Schema):
    id: int
    code: str
    name: str
    segment_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    budget: Decimal
    holdout_bp: int
    seed: str
    status: str
    launched_at: dt.datetime | None
    promotion_ids: list[int]
    template_ids: list[int]


class PromoGroupStatsOut(Schema):
    members: int
    buyers: int
    orders: int
    revenue: Decimal
    spend_per_member: Decimal
    conversion_pct: Decimal


class PromoCampaignDayOut(Schema):
    day: dt.date
    treatment: Decimal
    control: Decimal


class PromoCampaignResultsOut(Schema):
    campaign_id: int
    window_start: dt.datetime
    window_end: dt.datetime
    treatment: PromoGroupStatsOut
    control: PromoGroupStatsOut
    reach: int
    coupons_issued: int
    coupon_redemptions: int
    promotion_orders: int
    redemptions: int
    revenue: Decimal
    lift_pct: Decimal | None
    incremental_revenue: Decimal
    cost: Decimal
    roi: Decimal | None
    budget: Decimal
    budget_used_pct: Decimal | None
    daily: list[PromoCampaignDayOut]


class PromoRedeemIn(InputSchema):
    """A third-party till redeeming (核销) a coupon against its own receipt reference."""

    code: str = Field(min_length=1, max_length=40)
    reference: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(default=Decimal("0"), ge=0, le=10**8, decimal_places=2)
    channel: ChannelIn = "pos"
    store_id: int | None = Field(default=None, ge=1, le=2**62)
    member_id: int | None = Field(default=None, ge=1, le=2**62)
    phone: str = Field(default="", max_length=20)


class PromoReverseIn(InputSchema):
    code: str = Field(min_length=1, max_length=40)
    reference: str = Field(min_length=1, max_length=64)
    reversal_reference: str = Field(default="", max_length=64)


class PromoRedemptionOut(Schema):
    code: str
    reference: str
    amount: Decimal
    channel: str
    store_id: int | None
    member_id: int | None
    redeemed_at: dt.datetime
    reversed_at: dt.datetime | None
