"""Storefront writes: place the shopper's online order and pay it, through the orders and
payments services only.

Checkout is two idempotent steps, each keyed on a token the checkout form carries, so a
double-click or a browser retry never makes a second order or a second charge:

1. ``place_online_order`` → ``orders.services.place_order`` (online channel, pickup in the
   chosen store): prices with the promotions engine, checks sellability, reserves stock.
2. ``pay_online_order`` → ``payments.services.take_payment`` with the points tender
   (积分抵现, the same ledger as in store) and the rest by WeChat Pay / Alipay through the
   signed sandbox gateway. The sandbox answers "customer confirming on the phone";
   ``confirm_sandbox_payment`` plays the customer's confirmation and feeds the gateway's
   signed notification to the payments notification handler — the same path the gateway's
   POST to ``/api/v1/payments/notify/sandbox`` takes — which marks the order paid.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from omniretail.core.errors import InvalidState, NotFound, ValidationFailed
from omniretail.core.models import Store
from omniretail.core.money import from_fen, to_fen
from omniretail.members import points as member_points
from omniretail.members.models import Member
from omniretail.orders import services as orders
from omniretail.orders.models import FulfilmentMode, Order, OrderChannel, OrderStatus
from omniretail.payments import services as payments
from omniretail.payments.models import Payment, PaymentStatus
from omniretail.payments.notify import handle_notification
from omniretail.payments.providers.points import points_per_yuan
from omniretail.payments.providers.sandbox import GATEWAY

from .errors import StorefrontError

WALLETS = ("wechat", "alipay")
MAX_LINES = 50
MAX_QUANTITY = 99
# 付款码 prefixes (WeChat 10–15, Alipay 25–30); the sandbox's "9999" ending means the
# customer confirms on the phone, i.e. the payment completes by notification.
_WALLET_PREFIX = {"wechat": "13", "alipay": "28"}


def modes() -> list[str]:
    """Fulfilment modes the storefront offers: pickup in store (BOPIS)."""
    return [FulfilmentMode.PICKUP]


def _supports(param: str) -> bool:
    return param in inspect.signature(orders.place_order).parameters


def coupons_supported() -> bool:
    """Whether the orders service prices coupons into an order (``coupon_codes``); until it
    does, the shop neither previews nor promises a coupon it could not honour."""
    return _supports("coupon_codes")


def place_online_order(
    *,
    store: Store,
    member: Member,
    items: Mapping[int, int],
    token: str,
    mode: str = FulfilmentMode.PICKUP,
    coupon: str = "",
) -> Order:
    """Place the cart as an online order for the member; idempotent on ``token``."""
    if not store.fulfils_online or not store.is_active:
        raise NotFound(_("store"), code=StorefrontError.STORE_NOT_ONLINE)
    if mode not in modes():
        raise ValidationFailed(
            StorefrontError.MODE_NOT_OFFERED, _("This fulfilment is not offered online.")
        )
    if member.brand_id != store.brand_id or not member.is_active:
        raise NotFound(_("member"), code=StorefrontError.NO_MEMBER)
    lines = [(int(s), int(q)) for s, q in items.items() if int(q) > 0]
    if not lines:
        raise ValidationFailed(StorefrontError.EMPTY_CART, _("Your cart is empty."))
    if len(lines) > MAX_LINES or any(q > MAX_QUANTITY for _s, q in lines):
        raise ValidationFailed(
            StorefrontError.CART_TOO_LARGE,
            _("At most %(n)d of an item per order.") % {"n": MAX_QUANTITY},
        )
    if not token or len(token) > 64:
        raise ValidationFailed(StorefrontError.BAD_TOKEN, _("Please reload the checkout page."))
    extra: dict[str, Any] = {}
    if coupon and coupons_supported():
        extra["coupon_codes"] = [coupon]
    return orders.place_order(
        store=store,
        channel=OrderChannel.ONLINE,
        fulfilment_mode=mode,
        lines=[orders.LineRequest(sku_id, qty) for sku_id, qty in lines],
        reference=f"shop:{token}",
        member_id=member.pk,
        **extra,
    )


def points_value(points: int) -> Decimal:
    """What ``points`` pay (100 points = ¥1 by default)."""
    return from_fen(points * 100 // points_per_yuan())


def max_points_for(order: Order, member: Member) -> int:
    """The most points the member can put on the order: their spendable points, capped at
    the order total (a whole number of points)."""
    cap = to_fen(order.total) * points_per_yuan() // 100
    return max(min(member_points.available(member), cap), 0)


def _wallet_code(kind: str) -> str:
    return _WALLET_PREFIX[kind] + "".join(secrets.choice("0123456789") for _ in range(12)) + "9999"


def _own_order(order: Order, member: Member) -> None:
    if order.member_id != member.pk or order.channel != OrderChannel.ONLINE:
        raise NotFound(_("order"), code=StorefrontError.ORDER_NOT_FOUND)


def pay_online_order(
    order: Order, member: Member, *, points: int, wallet: str, token: str
) -> Order:
    """Pay with ``points`` (optional) and the rest by ``wallet`` (sandbox); idempotent on
    ``token`` (a retried submit charges nothing and answers the order as it stands). The
    wallet part stays pending until the customer confirms (see the module doc); a declined
    tender raises 422 with the provider's reason."""
    _own_order(order, member)
    if wallet not in WALLETS:
        raise ValidationFailed(StorefrontError.BAD_WALLET, _("Choose WeChat Pay or Alipay."))
    if not token or len(token) > 64:
        raise ValidationFailed(StorefrontError.BAD_TOKEN, _("Please reload the checkout page."))
    reference = f"shop:{order.number}:{token}"[:100]
    if Payment.objects.filter(attempt=reference).exists():  # a retried submit
        order.refresh_from_db()
        return order
    if order.status != OrderStatus.AWAITING_PAYMENT:
        raise InvalidState(StorefrontError.NOT_PAYABLE, _("This order is not awaiting payment."))
    if points < 0 or points > max_points_for(order, member):
        raise ValidationFailed(
            StorefrontError.TOO_MANY_POINTS,
            _("You can use at most %(n)d points on this order.")
            % {"n": max_points_for(order, member)},
            {"field": "points"},
        )
    value = points_value(points)
    rest = order.total - value
    tenders = []
    if points:
        tenders.append(payments.TenderIn("points", value, member_id=member.pk))
    if rest > 0:
        tenders.append(payments.TenderIn(wallet, rest, auth_code=_wallet_code(wallet)))
    if not tenders:
        raise ValidationFailed(StorefrontError.EMPTY_CART, _("Nothing to pay."))
    result = payments.take_payment(order_id=order.pk, tenders=tenders, reference=reference)
    if result.failures:
        raise ValidationFailed(
            StorefrontError.PAYMENT_FAILED,
            _("The payment did not go through: %(why)s") % {"why": "; ".join(result.failures)},
        )
    order.refresh_from_db()
    return order


def pending_wallet_payment(order: Order) -> Payment | None:
    return (
        Payment.objects.filter(order=order, status=PaymentStatus.PENDING, kind__in=WALLETS)
        .order_by("pk")
        .first()
    )


def confirm_sandbox_payment(order: Order, member: Member) -> Order:
    """The shopper confirms in the (sandbox) wallet app: the gateway marks its transaction
    paid and emits its signed notification, which the payments handler verifies and applies
    exactly as if it had arrived by HTTP. Confirming twice changes nothing."""
    _own_order(order, member)
    payment = pending_wallet_payment(order)
    if payment is not None:
        if payment.provider != "sandbox" or not payment.provider_txn_id:
            raise InvalidState(
                StorefrontError.NOT_SANDBOX, _("This payment is confirmed by the provider.")
            )
        handle_notification("sandbox", GATEWAY.confirm(payment.provider_txn_id))
    order.refresh_from_db()
    return order
