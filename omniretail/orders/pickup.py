"""Buy online, pick up in store: the 6-digit code, its signed QR payload, the counter check,
and cancelling pickups nobody came for (their stock goes back on sale)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import clock
from omniretail.core.errors import InvalidState, NotFound
from omniretail.core.models import Store

from .errors import OrderError
from .models import CLOSED_STATUSES, FulfilmentMode, Order
from .models import OrderStatus as S

_SALT = "omniretail.orders.pickup"


def unclaimed_days() -> int:
    return int(getattr(settings, "ORDERS_PICKUP_UNCLAIMED_DAYS", 3))


def new_code(store: Store) -> str:
    """A random 6-digit code no other open order of the store holds (so the counter finds
    exactly one order)."""
    for _attempt in range(50):
        code = f"{secrets.randbelow(1_000_000):06d}"
        taken = (
            Order.objects.filter(store=store, pickup_code=code)
            .exclude(status__in=CLOSED_STATUSES)
            .exists()
        )
        if not taken:
            return code
    raise RuntimeError("no free pickup code")  # a million open pickups in one store


def qr_payload(order: Order) -> str:
    """Signed, so a forged QR cannot name another order or code."""
    return signing.dumps(
        {"o": order.number, "s": order.store_id, "c": order.pickup_code}, salt=_SALT
    )


def _code_from(value: str, store: Store) -> str:
    value = value.strip()
    if len(value) == 6 and value.isdigit():
        return value
    try:
        data = signing.loads(value, salt=_SALT)
    except signing.BadSignature as exc:
        raise NotFound(_("pickup order"), code=OrderError.PICKUP_CODE_INVALID) from exc
    if not isinstance(data, dict) or data.get("s") != store.pk:
        raise NotFound(_("pickup order"), code=OrderError.PICKUP_CODE_INVALID)
    return str(data.get("c", ""))


def mark_ready(order: Order) -> Order:
    from . import state

    if order.fulfilment_mode != FulfilmentMode.PICKUP:
        raise InvalidState(
            OrderError.INVALID_TRANSITION, _("Only pickup orders wait at the counter.")
        )
    return state.transition(order, S.READY_FOR_PICKUP)


@transaction.atomic
def verify_pickup(store: Store, code: str) -> Order:
    """Staff at the counter: the code (or scanned QR) names a ready order of this store;
    the goods are handed over, reservations become sales and the order completes."""
    from . import services

    pickup_code = _code_from(code, store)
    order = (
        Order.objects.filter(store=store, pickup_code=pickup_code)
        .exclude(status__in=CLOSED_STATUSES)
        .first()
        if pickup_code
        else None
    )
    if order is None:
        raise NotFound(_("pickup order"), code=OrderError.PICKUP_CODE_INVALID)
    if order.status != S.READY_FOR_PICKUP:
        raise InvalidState(
            OrderError.PICKUP_NOT_READY,
            _("This order is not ready for pickup yet."),
            {"status": order.status},
        )
    return services.complete(order, note=_("Picked up at the counter"), pickup_verified=True)


def cancel_unclaimed_pickups(limit: int = 500) -> int:
    """Cancel pickups ready for longer than the allowed days; each in its own transaction."""
    from . import services

    cutoff = clock.now() - dt.timedelta(days=unclaimed_days())
    due = list(
        Order.objects.filter(status=S.READY_FOR_PICKUP, ready_at__lte=cutoff)
        .order_by("ready_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in due:
        order = Order.objects.get(pk=pk)
        try:
            services.cancel(order, reason=_("Not picked up in time"))
        except InvalidState:
            continue  # picked up meanwhile
        done += 1
    return done
