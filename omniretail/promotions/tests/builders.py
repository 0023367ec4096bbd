"""Pure builders for engine tests: carts and definitions without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from omniretail.promotions.cart import Cart, CartLine, CartMember, CouponDef, PromotionDef, Scope
from omniretail.promotions.params import parse_params

AT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 Asia/Shanghai


def line(line_id: str, sku_id: int, qty: int, price: str, **kw: Any) -> CartLine:
    return CartLine(line_id, sku_id, qty, Decimal(price), **kw)


def cart(*lines: CartLine, **kw: Any) -> Cart:
    kw.setdefault("channel", "pos")
    kw.setdefault("at", AT)
    return Cart(lines=tuple(lines), **kw)


def member(tier: str = "gold", segments: tuple[str, ...] = ()) -> CartMember:
    return CartMember(1, tier, frozenset(segments))


_ids = iter(range(1, 10**6))


def promo(kind: str, params: dict[str, Any], pid: int | None = None, **kw: Any) -> PromotionDef:
    pid = pid or next(_ids)
    kw.setdefault("name", f"{kind}-{pid}")
    return PromotionDef(id=pid, code=f"P{pid}", kind=kind, params=parse_params(kind, params), **kw)


def coupon(code: str, kind: str, params: dict[str, Any], **kw: Any) -> CouponDef:
    kw.setdefault("name", f"券{code}")
    kw.setdefault("template_id", 1)
    return CouponDef(code=code, kind=kind, params=parse_params(kind, params), **kw)


def scope(**kw: Any) -> Scope:
    return Scope(
        **{k: frozenset(v) if isinstance(v, list | set | tuple) else v for k, v in kw.items()}
    )
