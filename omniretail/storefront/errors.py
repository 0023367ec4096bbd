"""Stable error codes of the storefront (clients branch on these strings)."""

from __future__ import annotations

from enum import StrEnum


class StorefrontError(StrEnum):
    STORE_NOT_ONLINE = "storefront.store_not_online"
    MODE_NOT_OFFERED = "storefront.mode_not_offered"
    NO_MEMBER = "storefront.no_member"
    EMPTY_CART = "storefront.empty_cart"
    CART_TOO_LARGE = "storefront.cart_too_large"
    BAD_TOKEN = "storefront.bad_token"
    ORDER_NOT_FOUND = "storefront.order_not_found"
    BAD_WALLET = "storefront.bad_wallet"
    NOT_PAYABLE = "storefront.not_payable"
    TOO_MANY_POINTS = "storefront.too_many_points"
    PAYMENT_FAILED = "storefront.payment_failed"
    NOT_SANDBOX = "storefront.not_sandbox"
