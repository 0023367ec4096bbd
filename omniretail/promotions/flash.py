"""Flash sales (秒杀): a limited promotional quantity, a per-member limit, and inventory held
for the sale.

Pricing reads the units left and the member's past claims (``remaining`` / ``member_usage``),
so a cart never shows a flash price it cannot have. Checkout then *takes* the units inside the
order's own transaction (``claim_for_result``, called by ``record_applied_promotions``): one
conditional UPDATE on the sale's counter, then the member's claims are summed while that
counter row is held, so two buyers can never both take the last unit and one member can never
exceed the limit from two tills. A refused claim raises 409 and the whole order rolls back;
the client re-prices and gets the normal price.

The sale's units can be held in inventory (``hold_stock``): a reservation per SKU at one
location keeps them from being sold elsewhere; every claim shrinks it so the order's own
reservation or sale takes those units. Cancelled orders give units back (``release``, run by
the ``orders.cancelled`` handler).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed

from .cart import PricingResult
from .errors import PromotionError
from .models import FlashSaleClaim, FlashSaleCounter, FlashSaleHold, Promotion, Status
from .params import PromotionKind, parse_params


def _counter(promo: Promotion) -> FlashSaleCounter:
    limit = parse_params(promo.kind, promo.params).quantity_limit
    counter = FlashSaleCounter.objects.filter(promotion=promo).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = FlashSaleCounter.objects.create(promotion=promo, quantity=limit)
        except IntegrityError:
            counter = FlashSaleCounter.objects.get(promotion=promo)
    return counter


def remaining(brand_id: int, at: dt.datetime) -> dict[int, int]:
    """Units left per live flash sale with a quantity (promotion id → units)."""
    rows = FlashSaleCounter.objects.filter(
        Q(promotion__ends_at__isnull=True) | Q(promotion__ends_at__gt=at),
        promotion__brand_id=brand_id,
        promotion__status=Status.ACTIVE,
        promotion__starts_at__lte=at,
        quantity__isnull=False,
    ).values_list("promotion_id", "quantity", "claimed")
    return {pid: max(0, q - c) for pid, q, c in rows}


def member_usage(member_id: int | None) -> dict[int, int]:
    """Units this member already took per flash sale (released claims excluded)."""
    if member_id is None:
        return {}
    rows = (
        FlashSaleClaim.objects.filter(member_id=member_id, released_at__isnull=True)
        .values("promotion_id")
        .annotate(units=Sum("quantity"))
    )
    return {r["promotion_id"]: int(r["units"]) for r in rows}


def _shrink_hold(promo: Promotion, sku_id: int, quantity: int) -> None:
    """Move ``quantity`` units out of the sale's inventory hold, so the order can take them."""
    from omniretail.inventory import services as inventory

    hold = FlashSaleHold.objects.select_for_update().filter(promotion=promo, sku_id=sku_id).first()
    if hold is None or not hold.reservation_reference:
        return
    inventory.release(hold.reservation_reference)
    hold.remaining = max(0, hold.remaining - quantity)
    hold.generation += 1
    hold.reservation_reference = ""
    if hold.remaining:
        ref = f"flash:{promo.pk}:{sku_id}:{hold.generation}"
        inventory.reserve(
            sku_id=sku_id,
            location_id=hold.location_id,
            quantity=hold.remaining,
            reference=ref,
            hold=_hold_for(promo),
        )
        hold.reservation_reference = ref
    hold.save(update_fields=["remaining", "generation", "reservation_reference"])


def _hold_for(promo: Promotion) -> dt.timedelta:
    end = promo.ends_at or (clock.now() + dt.timedelta(days=30))
    return max(dt.timedelta(minutes=1), end - clock.now())


def claim(
    promo: Promotion, *, reference: str, units: dict[int, int], member_id: int | None
) -> list[FlashSaleClaim]:
    """Take ``units`` (sku → units) of the sale for ``reference``. Run inside the caller's
    transaction; idempotent per (sale, reference, sku)."""
    if promo.kind != PromotionKind.FLASH_SALE:
        raise ValidationFailed(PromotionError.FLASH_NOT_FLASH, _("This is not a flash sale."))
    reference = reference[:64]
    existing = list(FlashSaleClaim.objects.filter(promotion=promo, reference=reference))
    if existing:
        return existing
    wanted = sum(units.values())
    if wanted <= 0:
        return []
    params = parse_params(promo.kind, promo.params)
    with transaction.atomic():
        counter = _counter(promo)
        taken = FlashSaleCounter.objects.filter(pk=counter.pk)
        if counter.quantity is not None:
            taken = taken.filter(claimed__lte=F("quantity") - wanted)
        if not taken.update(claimed=F("claimed") + wanted):
            raise Conflict(
                PromotionError.FLASH_SOLD_OUT,
                _("%(name)s is sold out; price the cart again.") % {"name": promo.name},
                {"promotion_id": promo.pk},
            )
        if params.per_member_limit is not None and member_id is not None:
            used = member_usage(member_id).get(promo.pk, 0)
            if used + wanted > params.per_member_limit:
                raise Conflict(
                    PromotionError.FLASH_MEMBER_LIMIT,
                    _("%(name)s: at most %(n)d per member.")
                    % {"name": promo.name, "n": params.per_member_limit},
                    {"promotion_id": promo.pk, "used": used},
                )
        now = clock.now()
        rows = [
            FlashSaleClaim(
                promotion=promo,
                member_id=member_id,
                reference=reference,
                sku_id=sku_id,
                quantity=qty,
                created_at=now,
            )
            for sku_id, qty in sorted(units.items())
            if qty > 0
        ]
        FlashSaleClaim.objects.bulk_create(rows)
        for sku_id, qty in sorted(units.items()):
            if qty > 0:
                _shrink_hold(promo, sku_id, qty)
    return rows


def claim_for_result(brand_id: int, reference: str, result: PricingResult) -> None:
    """Take the flash-sale units a priced checkout used (every flash promotion applied)."""
    flash = [a for a in result.applied if a.units and a.promotion_id]
    if not flash:
        return
    sku_of = {ln.line_id: ln.sku_id for ln in result.lines}
    promos = {
        p.pk: p
        for p in Promotion.objects.filter(
            pk__in=[a.promotion_id for a in flash], brand_id=brand_id
        ).order_by("pk")
    }
    for a in sorted(flash, key=lambda a: a.promotion_id or 0):
        promo = promos.get(a.promotion_id or 0)
        if promo is None:
            continue
        units: dict[int, int] = {}
        for line_id, qty in a.units.items():
            units[sku_of[line_id]] = units.get(sku_of[line_id], 0) + qty
        claim(promo, reference=reference, units=units, member_id=result.member_id)


def release(reference: str) -> int:
    """Give back the units claimed for ``reference`` (order cancelled). Idempotent."""
    released = 0
    with transaction.atomic():
        for c in (
            FlashSaleClaim.objects.select_for_update()
            .filter(reference=reference[:64], released_at__isnull=True)
            .order_by("pk")
        ):
            done = FlashSaleClaim.objects.filter(pk=c.pk, released_at__isnull=True).update(
                released_at=clock.now()
            )
            if done:
                FlashSaleCounter.objects.filter(
                    promotion_id=c.promotion_id, claimed__gte=c.quantity
                ).update(claimed=F("claimed") - c.quantity)
                released += c.quantity
    return released


def hold_stock(promo: Promotion, *, location_id: int, units: dict[int, int]) -> list[FlashSaleHold]:
    """Reserve the sale's units in inventory at ``location_id`` until the sale ends."""
    from omniretail.inventory import services as inventory

    if promo.kind != PromotionKind.FLASH_SALE:
        raise ValidationFailed(PromotionError.FLASH_NOT_FLASH, _("This is not a flash sale."))
    prices = parse_params(promo.kind, promo.params).prices
    if set(units) - set(prices):
        raise ValidationFailed(
            PromotionError.UNKNOWN_SKU,
            _("Only SKUs of the flash sale can be held for it."),
            {"sku_ids": sorted(set(units) - set(prices))},
        )
    if FlashSaleHold.objects.filter(promotion=promo).exists():
        raise InvalidState(
            PromotionError.ALREADY_RECORDED, _("Stock is already held for this flash sale.")
        )
    holds = []
    with transaction.atomic():
        for sku_id, qty in sorted(units.items()):
            ref = f"flash:{promo.pk}:{sku_id}:0"
            inventory.reserve(
                sku_id=sku_id,
                location_id=location_id,
                quantity=qty,
                reference=ref,
                hold=_hold_for(promo),
            )
            holds.append(
                FlashSaleHold.objects.create(
                    promotion=promo,
                    sku_id=sku_id,
                    location_id=location_id,
                    reservation_reference=ref,
                    remaining=qty,
                )
            )
        audit.record("promotions.flash.stock_held", promo, changes={"units": units})
    return holds


def claims_of(promo_ids: Iterable[int]) -> Any:
    return FlashSaleClaim.objects.filter(promotion_id__in=list(promo_ids))


def promotion_or_404(brand_ids: set[int], promotion_id: int) -> Promotion:
    promo = (
        Promotion.objects.filter(pk=promotion_id, brand_id__in=brand_ids).first()
        if 0 < promotion_id < 2**62
        else None
    )
    if promo is None:
        raise NotFound(_("promotion"))
    return promo
