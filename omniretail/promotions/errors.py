"""Promotions error codes: stable strings clients branch on (messages are translated)."""

from __future__ import annotations

from enum import StrEnum


class PromotionError(StrEnum):
    INVALID_PARAMS = "promotions.invalid_params"
    INVALID_SCOPE = "promotions.invalid_scope"
    INVALID_WINDOW = "promotions.invalid_window"
    EXCLUSIVE_OVERLAP = "promotions.exclusive_overlap"
    UNKNOWN_SKU = "promotions.unknown_sku"
    UNKNOWN_CATEGORY = "promotions.unknown_category"
    UNKNOWN_STORE = "promotions.unknown_store"
    UNKNOWN_MEMBER = "promotions.unknown_member"
    DUPLICATE_CODE = "promotions.duplicate_code"
    TOO_MANY_COUPONS = "promotions.too_many_coupons"
    COUPON_NOT_FOUND = "promotions.coupon_not_found"
    COUPON_EXPIRED = "promotions.coupon_expired"
    COUPON_NOT_STARTED = "promotions.coupon_not_started"
    COUPON_FOREIGN = "promotions.coupon_foreign"
    COUPON_USED_UP = "promotions.coupon_used_up"
    COUPON_WRONG_CHANNEL = "promotions.coupon_wrong_channel"
    COUPON_MEMBER_LIMIT = "promotions.coupon_member_limit"
    COUPON_REVOKED = "promotions.coupon_revoked"
    REDEMPTION_NOT_FOUND = "promotions.redemption_not_found"
    ALREADY_RECORDED = "promotions.already_recorded"
    EMPTY_CART = "promotions.empty_cart"
    INVALID_SEGMENT = "promotions.invalid_segment"
    RFM_UNAVAILABLE = "promotions.rfm_unavailable"
    INVALID_CAMPAIGN = "promotions.invalid_campaign"
    CAMPAIGN_STATE = "promotions.campaign_state"
    FLASH_SOLD_OUT = "promotions.flash_sold_out"
    FLASH_MEMBER_LIMIT = "promotions.flash_member_limit"
    FLASH_NOT_FLASH = "promotions.not_a_flash_sale"
    COUPON_PHONE_LIMIT = "promotions.coupon_phone_limit"
