"""The cart on the till screen, kept as rows so a reload or a crash loses nothing.

One active cart per shift; 挂单 (hold) parks it with a label and resume brings it back (the
active one, if not empty, is parked in its place)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from omniretail.core import clock

from .models import CartStatus, PosCart, PosCartLine, Shift


def active_cart(shift: Shift) -> PosCart:
    cart = PosCart.objects.filter(shift=shift, status=CartStatus.ACTIVE).first()
    if cart is None:
        with transaction.atomic():
            cart, _created = PosCart.objects.get_or_create(
                shift=shift, status=CartStatus.ACTIVE, defaults={"updated_at": clock.now()}
            )
    return cart


def add_line(cart: PosCart, sku_id: int, quantity: int) -> None:
    """A second scan of the same SKU adds to its line (a pack adds its pack quantity)."""
    with transaction.atomic():
        updated = PosCartLine.objects.filter(cart=cart, sku_id=sku_id).update(
            quantity=F("quantity") + quantity
        )
        if not updated:
            PosCartLine.objects.create(cart=cart, sku_id=sku_id, quantity=quantity)
        PosCart.objects.filter(pk=cart.pk).update(updated_at=clock.now())


def set_quantity(cart: PosCart, line_id: int, quantity: int) -> None:
    """Quantity 0 voids the line."""
    lines = PosCartLine.objects.filter(cart=cart, pk=line_id)
    if quantity <= 0:
        lines.delete()
    else:
        lines.update(quantity=min(quantity, 10_000))


def set_member(cart: PosCart, member_id: int | None) -> None:
    PosCart.objects.filter(pk=cart.pk).update(member_id=member_id)


def set_coupons(cart: PosCart, codes: list[str]) -> None:
    unique = list(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))[:5]
    PosCart.objects.filter(pk=cart.pk).update(coupon_codes=unique)
    cart.coupon_codes = unique


def hold(cart: PosCart, label: str = "") -> None:
    if cart.lines.exists():
        PosCart.objects.filter(pk=cart.pk).update(status=CartStatus.HELD, label=label[:60])


def resume(shift: Shift, cart_id: int) -> None:
    with transaction.atomic():
        current = PosCart.objects.filter(shift=shift, status=CartStatus.ACTIVE).first()
        if current is not None:
            if current.lines.exists():
                current.status = CartStatus.HELD
                current.save(update_fields=["status"])
            else:
                current.delete()
        PosCart.objects.filter(shift=shift, pk=cart_id, status=CartStatus.HELD).update(
            status=CartStatus.ACTIVE, updated_at=clock.now()
        )


def finish(cart: PosCart) -> None:
    PosCart.objects.filter(pk=cart.pk).update(status=CartStatus.DONE)
