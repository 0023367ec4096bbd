"""The shopper's cart and chosen store, kept in the session (no rows until checkout)."""

from __future__ import annotations

from typing import Any

STORE_KEY = "shop_store"
CART_KEY = "shop_cart"
COUPON_KEY = "shop_coupon"
MAX_LINES = 50
MAX_QUANTITY = 99


def store_id(session: Any) -> int | None:
    value = session.get(STORE_KEY)
    return value if isinstance(value, int) else None


def set_store(session: Any, store_pk: int) -> None:
    session[STORE_KEY] = store_pk


def items(session: Any) -> dict[int, int]:
    raw = session.get(CART_KEY) or {}
    out: dict[int, int] = {}
    for key, qty in raw.items():
        if str(key).isdigit() and isinstance(qty, int) and qty > 0:
            out[int(key)] = min(qty, MAX_QUANTITY)
    return out


def _save(session: Any, cart: dict[int, int]) -> None:
    session[CART_KEY] = {str(k): v for k, v in cart.items() if v > 0}


def add(session: Any, sku_id: int, quantity: int = 1) -> None:
    cart = items(session)
    if sku_id not in cart and len(cart) >= MAX_LINES:
        return
    cart[sku_id] = min(cart.get(sku_id, 0) + max(quantity, 1), MAX_QUANTITY)
    _save(session, cart)


def set_quantity(session: Any, sku_id: int, quantity: int) -> None:
    cart = items(session)
    if quantity <= 0:
        cart.pop(sku_id, None)
    elif sku_id in cart:
        cart[sku_id] = min(quantity, MAX_QUANTITY)
    _save(session, cart)


def count(session: Any) -> int:
    return sum(items(session).values())


def coupon(session: Any) -> str:
    value = session.get(COUPON_KEY) or ""
    return value if isinstance(value, str) else ""


def set_coupon(session: Any, code: str) -> None:
    session[COUPON_KEY] = code.strip().upper()[:24]


def clear(session: Any) -> None:
    session.pop(CART_KEY, None)
    session.pop(COUPON_KEY, None)
