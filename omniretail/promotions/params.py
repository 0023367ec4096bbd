"""Per-type parameters of a promotion, validated by pydantic when a promotion is defined.

The engine receives these validated objects, so it never meets a negative amount, a 满减 whose
discount reaches its threshold, or a sub-fen value: bad definitions fail at the edge with a
clear 4xx instead of mispricing a till later.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from omniretail.core.money import is_whole_fen


class PromotionKind(StrEnum):
    PERCENT_OFF = "percent_off"
    AMOUNT_OFF = "amount_off"
    SPEND_THRESHOLD = "spend_threshold"  # 满减 (stepped tiers, or 每满 repeating with a cap)
    GIFT = "gift"  # 满赠
    BUY_X_GET_Y = "buy_x_get_y"
    BUNDLE = "bundle"
    NTH_ITEM = "nth_item"  # 第二件半价
    MEMBER_PRICE = "member_price"
    FLASH_SALE = "flash_sale"  # 秒杀 / 限时抢购


# Kinds a coupon template may carry (order-level amounts only).
COUPON_KINDS = {PromotionKind.PERCENT_OFF, PromotionKind.AMOUNT_OFF, PromotionKind.SPEND_THRESHOLD}
# Item-level kinds run before order-level kinds: thresholds see prices after item discounts.
ITEM_KINDS = {
    PromotionKind.FLASH_SALE,
    PromotionKind.MEMBER_PRICE,
    PromotionKind.BUNDLE,
    PromotionKind.BUY_X_GET_Y,
    PromotionKind.NTH_ITEM,
}


def _fen(value: Decimal) -> Decimal:
    if not value.is_finite() or not is_whole_fen(value):
        raise ValueError("amount must be in whole fen")
    return value


Money = Annotated[Decimal, Field(ge=0, le=Decimal("100000000")), AfterValidator(_fen)]
PositiveMoney = Annotated[Decimal, Field(gt=0, le=Decimal("100000000")), AfterValidator(_fen)]
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
Qty = Annotated[int, Field(ge=1, le=10_000)]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PercentOffParams(_Params):
    percent: Percent
    min_spend: Money = Decimal("0")
    max_discount: PositiveMoney | None = None


class AmountOffParams(_Params):
    amount: PositiveMoney
    min_spend: Money = Decimal("0")

    @model_validator(mode="after")
    def _below_min_spend(self) -> AmountOffParams:
        if self.min_spend and self.amount >= self.min_spend:
            raise ValueError("the amount off must be below the minimum spend")
        return self


class ThresholdTier(_Params):
    threshold: PositiveMoney
    discount: PositiveMoney

    @model_validator(mode="after")
    def _discount_below_threshold(self) -> ThresholdTier:
        if self.discount >= self.threshold:
            raise ValueError("满减: the discount must be below its threshold (Y < X)")
        return self


class SpendThresholdParams(_Params):
    tiers: list[ThresholdTier] = Field(min_length=1, max_length=10)
    repeat: bool = False  # 每满: the (single) tier applies once per threshold reached
    cap: PositiveMoney | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SpendThresholdParams:
        ts = [t.threshold for t in self.tiers]
        if ts != sorted(ts) or len(set(ts)) != len(ts):
            raise ValueError("thresholds must be strictly increasing")
        ds = [t.discount for t in self.tiers]
        if ds != sorted(ds) or len(set(ds)) != len(ds):
            raise ValueError("a higher threshold must give a higher discount")
        if self.repeat and len(self.tiers) != 1:
            raise ValueError("每满 (repeat) takes exactly one tier")
        return self


class GiftParams(_Params):
    threshold: Money = Decimal("0")
    min_quantity: int = Field(default=0, ge=0, le=10_000)
    gift_sku_id: int = Field(ge=1)
    gift_quantity: Qty = 1

    @model_validator(mode="after")
    def _has_condition(self) -> GiftParams:
        if not self.threshold and not self.min_quantity:
            raise ValueError("a gift needs a spend threshold or a minimum quantity")
        return self


class BuyXGetYParams(_Params):
    buy_quantity: Qty
    get_quantity: Qty
    percent_off: Percent = Decimal("100")


class BundleComponent(_Params):
    sku_ids: list[int] = Field(min_length=1, max_length=50)
    quantity: Qty = 1


class BundleParams(_Params):
    components: list[BundleComponent] = Field(min_length=1, max_length=10)
    price: PositiveMoney

    @model_validator(mode="after")
    def _distinct(self) -> BundleParams:
        seen: set[int] = set()
        for c in self.components:
            if seen & set(c.sku_ids):
                raise ValueError("a SKU may belong to one bundle component only")
            seen |= set(c.sku_ids)
        return self


class NthItemParams(_Params):
    nth: int = Field(default=2, ge=2, le=100)
    percent_off: Percent = Decimal("50")
    same_sku: bool = True


class MemberPriceParams(_Params):
    tier_percent_off: dict[str, Percent] = {}
    prices: dict[int, Money] = {}

    @model_validator(mode="after")
    def _not_empty(self) -> MemberPriceParams:
        if not self.tier_percent_off and not self.prices:
            raise ValueError("give tier discounts or member prices")
        return self


class FlashSaleParams(_Params):
    prices: dict[int, Money] = Field(min_length=1)
    quantity_limit: int | None = Field(default=None, ge=1, le=1_000_000)
    per_member_limit: int | None = Field(default=None, ge=1, le=10_000)


PARAMS_BY_KIND: dict[PromotionKind, type[_Params]] = {
    PromotionKind.PERCENT_OFF: PercentOffParams,
    PromotionKind.AMOUNT_OFF: AmountOffParams,
    PromotionKind.SPEND_THRESHOLD: SpendThresholdParams,
    PromotionKind.GIFT: GiftParams,
    PromotionKind.BUY_X_GET_Y: BuyXGetYParams,
    PromotionKind.BUNDLE: BundleParams,
    PromotionKind.NTH_ITEM: NthItemParams,
    PromotionKind.MEMBER_PRICE: MemberPriceParams,
    PromotionKind.FLASH_SALE: FlashSaleParams,
}


def parse_params(kind: str, raw: dict[str, Any]) -> Any:
    """Validate ``raw`` for ``kind``; raises ``ValueError``/``ValidationError`` with detail."""
    model = PARAMS_BY_KIND[PromotionKind(kind)]
    return model.model_validate(raw)


def params_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "params", "message": e["msg"]}
        for e in exc.errors()
    ]


class ScopeSpec(_Params):
    """Scope rules as stored in ``Promotion.scope`` / ``CouponTemplate.scope``."""

    channels: list[Literal["pos", "online", "marketplace"]] = []
    store_ids: list[int] = []
    region_ids: list[int] = []
    category_ids: list[int] = []
    brand_ids: list[int] = []
    tags: list[str] = []
    sku_ids: list[int] = []
    member_tiers: list[str] = []
    member_segments: list[str] = []
    members_only: bool = False
    exclude_sku_ids: list[int] = []
    exclude_category_ids: list[int] = []
    exclude_brand_ids: list[int] = []
    exclude_tags: list[str] = []


class WindowSpec(_Params):
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @model_validator(mode="after")
    def _not_empty(self) -> WindowSpec:
        if self.start == self.end:
            raise ValueError("a time window must not be empty")
        return self
