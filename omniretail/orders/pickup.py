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
from omniretail.core.errors import InvalidState, NotFound, ValidationFailed
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


def checks_needed(order: Order) -> dict[str, object]:
    """What the counter must check before handing over: an ID for tobacco reserved online
    (sold at the counter, to an adult), the buyer's age for age-restricted goods (alcohol)."""
    from omniretail.catalog.restrictions import check_sellable

    tobacco = False
    min_age = 0
    for line in order.lines.select_related("sku__product__category"):
        tobacco = tobacco or line.in_store_purchase
        verdict = check_sellable(line.sku, "pos")
        if verdict.requires_age_check:
            min_age = max(min_age, verdict.min_age or 18)
    if tobacco:
        min_age = max(min_age, 18)
    return {"id_check": tobacco, "age_check": bool(min_age), "min_age": min_age or None}


@transaction.atomic
def verify_pickup(store: Store, code: str, *, id_checked: bool = False) -> Order:
    """Staff at the counter: the code (or scanned QR) names a ready order of this store;
    the goods are handed over, reservations become sales and the order completes.
    Tobacco (reserved online, bought at the counter) needs an ID check and age-restricted
    goods an age check: ``id_checked`` is the clerk's confirmation; without it nothing moves."""
    from . import services, state

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
    needed = checks_needed(order)
    if (needed["id_check"] or needed["age_check"]) and not id_checked:
        raise ValidationFailed(
            OrderError.ID_CHECK_REQUIRED,
            _("Check the customer's ID (age %(age)s+) before handing over this order.")
            % {"age": needed["min_age"]},
            needed,
        )
    if id_checked and (needed["id_check"] or needed["age_check"]):
        state.record_event(order, "id_checked", note=_("ID checked at the counter"), data=needed)
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
