"""Order writes: place an order (price, check, reserve, all in one transaction) and move it
through its life with the stock effects each step implies.

Stock rule: a non-POS order holds a reservation per line from placement until the goods leave
(pickup at the counter, shipped, out for delivery), when the reservation becomes a sale;
cancellation releases what is still held. A POS carry-out order sells on payment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from omniretail.catalog.models import Sku
from omniretail.catalog.restrictions import check_sellable, check_sellable_many
from omniretail.core import clock, ids
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.core.models import Location, LocationKind, Store
from omniretail.core.money import ZERO, quantize
from omniretail.inventory import services as inventory
from omniretail.inventory.models import Channel as StockChannel
from omniretail.inventory.models import Reservation, ReservationStatus
from omniretail.promotions import coupons as promo_coupons
from omniretail.promotions import engine, selectors
from omniretail.promotions import services as promotion_services
from omniretail.promotions.cart import PricingResult

from . import pickup, state
from .errors import OrderError
from .models import FulfilmentMode, Order, OrderChannel, OrderEvent, OrderLine
from .models import OrderStatus as S

MAX_LINES = 200
MAX_QUANTITY = 10_000

# Catalog rules and prices know three channels; phone and group orders are sold remotely.
CATALOG_CHANNEL: dict[str, str] = {
    OrderChannel.POS: "pos",
    OrderChannel.ONLINE: "online",
    OrderChannel.MARKETPLACE: "marketplace",
    OrderChannel.PHONE: "online",
    OrderChannel.GROUP: "online",
}
STOCK_CHANNEL: dict[str, str] = {
    OrderChannel.POS: StockChannel.WALK_IN,
    OrderChannel.MARKETPLACE: StockChannel.MARKETPLACE,
}


@dataclass(frozen=True)
class LineRequest:
    sku_id: int
    quantity: int


def reservation_hold() -> dt.timedelta:
    """Held longer than a pickup may wait, so the unclaimed-pickup job (not expiry) decides."""
    days = int(getattr(settings, "ORDERS_RESERVATION_HOLD_DAYS", 0)) or (
        pickup.unclaimed_days() + 4
    )
    return dt.timedelta(days=days)


def _prefix(store: Store, channel: str) -> str:
    cleaned = re.sub(r"[^A-Z0-9_]", "", store.code.upper())[:40]
    return cleaned or channel.upper()


def _default_location(store: Store) -> Location:
    loc = (
        Location.objects.filter(store=store, kind=LocationKind.STORE_FLOOR).order_by("pk").first()
        or Location.objects.filter(store=store).order_by("pk").first()
    )
    if loc is None:
        raise ValidationFailed(OrderError.UNKNOWN_LOCATION, _("The store has no stock location."))
    return loc


def _validate(channel: str, mode: str, lines: Sequence[LineRequest]) -> None:
    if channel not in OrderChannel.values:
        raise ValidationFailed(OrderError.UNKNOWN_CHANNEL, _("Unknown channel."))
    if mode not in FulfilmentMode.values:
        raise ValidationFailed(OrderError.INVALID_FULFILMENT, _("Unknown fulfilment mode."))
    if (channel == OrderChannel.POS) != (mode == FulfilmentMode.POS_CARRY_OUT):
        raise ValidationFailed(
            OrderError.INVALID_FULFILMENT,
            _("Carry-out is the fulfilment of till orders, and only of them."),
        )
    if not lines:
        raise ValidationFailed(OrderError.EMPTY_ORDER, _("An order needs at least one line."))
    if len(lines) > MAX_LINES:
        raise ValidationFailed(OrderError.INVALID_LINE, _("Too many lines in one order."))
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise ValidationFailed(
                OrderError.INVALID_LINE,
                _("Quantities must be between 1 and %(max)s.") % {"max": MAX_QUANTITY},
                {"sku_id": line.sku_id},
            )


def _sellability(store: Store, channel: str, mode: str, sku_ids: list[int]) -> dict[int, bool]:
    """SKU id → True when it may only be bought at the counter (reserved for pickup).

    What ``check_sellable`` refuses on this channel is refused, unless the rule still allows
    showing it (tobacco: "in-store purchase") and the order is a pickup at a store where the
    till may sell it — then the line is a reservation, paid for at the counter."""
    skus = {
        s.pk: s
        for s in Sku.objects.select_related("product", "product__category").filter(
            pk__in=sku_ids, product__brand_id=store.brand_id
        )
    }
    missing = sorted(set(sku_ids) - set(skus))
    if missing:
        raise ValidationFailed(
            OrderError.UNKNOWN_SKU,
            _("Unknown SKUs: %(ids)s") % {"ids": ", ".join(map(str, missing[:20]))},
            {"sku_ids": missing[:100]},
        )
    in_store: dict[int, bool] = {}
    verdicts = check_sellable_many(list(skus.values()), CATALOG_CHANNEL[channel])
    for sku_id, sku in skus.items():
        verdict = verdicts[sku_id]
        if verdict.sellable:
            in_store[sku_id] = False
            continue
        if (
            mode == FulfilmentMode.PICKUP
            and verdict.display_allowed
            and "not_active" not in verdict.codes
            and check_sellable(sku, "pos").sellable
        ):
            in_store[sku_id] = True
            continue
        hint = (
            _("It can be reserved for purchase in store: choose pickup.")
            if verdict.display_allowed and "not_active" not in verdict.codes
            else ""
        )
        raise ValidationFailed(
            OrderError.NOT_SELLABLE,
            _("%(sku)s cannot be sold on this channel: %(reasons)s %(hint)s")
            % {"sku": sku.code, "reasons": " ".join(verdict.reasons), "hint": hint},
            {"sku_id": sku_id, "codes": verdict.codes, "in_store_purchase": bool(hint)},
        )
    return in_store


def place_order(
    *,
    store: Store,
    channel: str,
    fulfilment_mode: str,
    lines: Sequence[LineRequest],
    reference: str,
    member_id: int | None = None,
    location: Location | None = None,
    external_order_id: str = "",
    coupon_codes: Sequence[str] = (),
    price_overrides: Mapping[int, Decimal] | None = None,
    manual_discounts: Mapping[int, Decimal] | None = None,
) -> Order:
    """Create a priced order in one transaction, idempotent on ``reference``.

    Lines are checked for sellability on the channel, priced at list price, discounted by the
    brand's active promotions and the cart's coupons (the engine's per-line allocation is
    stored on each line and as ``AppliedDiscount`` rows), and — except at the till — reserved
    at the fulfilling location. Any failure leaves nothing behind.

    Adjustments (approved upstream, e.g. by a supervisor at the till):

    - ``coupon_codes``: resolved by ``promotions.coupons.resolve_coupons`` (an unusable code
      raises the promotions domain's typed error); the coupons the engine applies are
      redeemed (核销) in the order's transaction against the order number, and given back
      when the order is cancelled or refunded.
    - ``price_overrides`` {sku_id: unit price}: the line's unit price becomes the approved
      price and the engine's discounts on that line are dropped (the approval already set
      its price) — the other lines keep their shares, as the till's screen shows it. Negative
      prices or prices above the list price are refused.
    - ``manual_discounts`` {sku_id: yuan off the line}: taken off the line's net after
      promotions, capped so the net never goes below zero, stored in the line's allocation as
      ``"manual"`` and on the ``created`` timeline event."""
    existing = Order.objects.filter(reference=reference).first()
    if existing is not None:
        return _same_request(existing, store, channel)
    _validate(channel, fulfilment_mode, lines)
    location = location or _default_location(store)
    if location.store_id != store.pk and not (
        location.store_id is None
        and fulfilment_mode == FulfilmentMode.SHIP
        and location.brand_id == store.brand_id
    ):
        raise ValidationFailed(
            OrderError.UNKNOWN_LOCATION, _("The location does not belong to the store.")
        )
    merged: dict[int, int] = {}
    for line in lines:
        merged[line.sku_id] = merged.get(line.sku_id, 0) + line.quantity
    items = list(merged.items())
    overrides = _money_map(price_overrides, set(merged), "price_overrides")
    manual = _money_map(manual_discounts, set(merged), "manual_discounts")
    in_store = _sellability(store, channel, fulfilment_mode, list(merged))
    now = clock.now()
    catalog_channel = CATALOG_CHANNEL[channel]
    coupon_defs = (
        promo_coupons.resolve_coupons(
            store.brand_id,
            list(coupon_codes),
            channel=catalog_channel,
            member_id=member_id,
            at=now,
        )
        if coupon_codes
        else []
    )
    cart = selectors.build_cart(
        store.brand_id,
        items,
        channel=catalog_channel,
        store=store,
        at=now,
        member_id=member_id,
        coupons=coupon_defs,
    )
    result = engine.price_cart(cart, selectors.active_promotions(store.brand_id, now))
    result, adjustments = _adjust(result, overrides, manual)
    try:
        with transaction.atomic():
            order = Order.objects.create(  # type: ignore[misc]  # MoneyField takes Decimal
                number=ids.next_document_number(_prefix(store, channel)),
                channel=channel,
                store=store,
                location=location,
                member_id=member_id,
                fulfilment_mode=fulfilment_mode,
                status=S.CREATED,
                list_total=adjustments.list_total,
                discount_total=adjustments.discount_total,
                total=adjustments.total,
                external_order_id=external_order_id,
                reference=reference,
                pickup_code=(
                    pickup.new_code(store) if fulfilment_mode == FulfilmentMode.PICKUP else ""
                ),
                created_at=now,
                updated_at=now,
            )
            order_lines = [
                OrderLine(  # type: ignore[misc]  # MoneyField takes Decimal
                    order=order,
                    line_no=n,
                    sku_id=r.sku_id,
                    quantity=r.quantity,
                    unit_price=r.unit_price,
                    discount=adjustments.discount[r.line_id],
                    net=adjustments.net[r.line_id],
                    allocations=adjustments.allocations[r.line_id],
                    in_store_purchase=in_store[r.sku_id],
                )
                for n, r in enumerate(result.lines, start=1)
            ]
            OrderLine.objects.bulk_create(order_lines)
            state.record_event(
                order,
                "created",
                to_status=S.CREATED,
                data={
                    "reference": reference,
                    "explanation": result.explanation[:20],
                    **adjustments.event_data(),
                },
            )
            if result.applied:
                promotion_services.record_applied_promotions(store.brand, order.number, result)
            for code, amount in adjustments.coupons.items():
                promo_coupons.redeem(
                    store.brand_id,
                    code,
                    order.number,
                    amount=amount,
                    channel=catalog_channel,
                    member_id=member_id,
                    store=store,
                )
            if fulfilment_mode != FulfilmentMode.POS_CARRY_OUT:
                hold = reservation_hold()
                for order_line in order_lines:
                    inventory.reserve(
                        sku_id=order_line.sku_id,
                        location_id=location.pk,
                        quantity=order_line.quantity,
                        reference=order_line.reservation_reference,
                        channel=STOCK_CHANNEL.get(channel, StockChannel.ONLINE),
                        hold=hold,
                    )
            state.transition(order, S.AWAITING_PAYMENT)
    except IntegrityError:
        existing = Order.objects.filter(reference=reference).first()
        if existing is None:
            raise
        return _same_request(existing, store, channel)
    return order


def _money_map(raw: Mapping[int, Any] | None, sku_ids: set[int], field: str) -> dict[int, Decimal]:
    """sku_id → a non-negative whole-fen amount, for SKUs of the order only."""
    out: dict[int, Decimal] = {}
    for sku_id, value in (raw or {}).items():
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError) as exc:
            raise ValidationFailed(
                OrderError.INVALID_LINE,
                _("Amounts must be numbers in yuan."),
                {"field": field, "sku_id": sku_id},
            ) from exc
        if not amount.is_finite() or amount < 0 or quantize(amount) != amount:
            raise ValidationFailed(
                OrderError.INVALID_LINE,
                _("Amounts must be zero or more, in whole fen."),
                {"field": field, "sku_id": sku_id},
            )
        if sku_id not in sku_ids:
            raise ValidationFailed(
                OrderError.INVALID_LINE,
                _("An adjustment names a SKU that is not in the order."),
                {"field": field, "sku_id": sku_id},
            )
        out[int(sku_id)] = quantize(amount)
    return out


@dataclass
class _Adjusted:
    """Per-line figures after overrides and manual discounts (keyed by the engine's line id)."""

    discount: dict[str, Decimal]
    net: dict[str, Decimal]
    allocations: dict[str, dict[str, str]]
    overrides: dict[int, dict[str, str]]
    manual: dict[int, str]
    coupons: dict[str, Decimal]  # applied coupon code → its discount on this order

    @property
    def discount_total(self) -> Decimal:
        return sum(self.discount.values(), ZERO)

    @property
    def total(self) -> Decimal:
        return sum(self.net.values(), ZERO)

    @property
    def list_total(self) -> Decimal:
        return self.total + self.discount_total

    def event_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.overrides:
            data["price_overrides"] = {str(k): v for k, v in self.overrides.items()}
        if self.manual:
            data["manual_discounts"] = {str(k): v for k, v in self.manual.items()}
        if self.coupons:
            data["coupons"] = {k: str(v) for k, v in self.coupons.items()}
        return data


def _adjust(
    result: PricingResult, overrides: dict[int, Decimal], manual: dict[int, Decimal]
) -> tuple[PricingResult, _Adjusted]:
    """Apply approved price overrides and manual discounts to the engine's result.

    An overridden line takes the approved unit price with none of the engine's discounts (so
    the result handed to ``record_applied_promotions`` drops that line's shares); a manual
    discount comes off what is left of the line, never below zero. Fen-exact throughout: every
    amount is whole fen, so line nets sum to the order total exactly."""
    dropped = {r.line_id for r in result.lines if r.sku_id in overrides}
    lines = []
    adjusted = _Adjusted({}, {}, {}, {}, {}, {})
    for r in result.lines:
        allocations = {a.key: a.amount for a in r.allocations if a.amount}
        if r.sku_id in overrides:
            price = overrides[r.sku_id]
            if price > r.unit_price:
                raise ValidationFailed(
                    OrderError.INVALID_LINE,
                    _("An override may not be above the list price."),
                    {"field": "price_overrides", "sku_id": r.sku_id, "list": str(r.unit_price)},
                )
            adjusted.overrides[r.sku_id] = {"list": str(r.unit_price), "price": str(price)}
            r = dataclasses.replace(
                r,
                unit_price=price,
                list_amount=price * r.quantity,
                discount=ZERO,
                net_amount=price * r.quantity,
                allocations=[],
            )
            allocations = {}
        net, discount = r.net_amount, r.discount
        off = min(manual.get(r.sku_id, ZERO), net)
        if off:
            net -= off
            discount += off
            allocations["manual"] = off
            adjusted.manual[r.sku_id] = str(off)
        adjusted.net[r.line_id] = net
        adjusted.discount[r.line_id] = discount
        adjusted.allocations[r.line_id] = {k: str(v) for k, v in allocations.items()}
        lines.append(r)
    applied = []
    for a in result.applied:
        if dropped & set(a.lines):
            shares = {k: v for k, v in a.lines.items() if k not in dropped}
            a = dataclasses.replace(
                a,
                lines=shares,
                discount=sum(shares.values(), ZERO),
                units={k: v for k, v in a.units.items() if k not in dropped},
            )
            if not a.discount and not a.gifts:
                continue
        applied.append(a)
        if a.coupon_code and a.discount:
            adjusted.coupons[a.coupon_code] = adjusted.coupons.get(a.coupon_code, ZERO) + (
                a.discount
            )
    used = [c for c in result.coupons_used if c in adjusted.coupons]
    result = dataclasses.replace(
        result,
        lines=lines,
        applied=applied,
        list_total=sum((ln.list_amount for ln in lines), ZERO),
        discount_total=sum((ln.discount for ln in lines), ZERO),
        total=sum((ln.net_amount for ln in lines), ZERO),
        coupons_used=used,
    )
    return result, adjusted


def _reverse_coupons(order: Order, why: str) -> None:
    """Give back the coupon uses the order redeemed (idempotent: promotions replays)."""
    codes: set[str] = set()
    for data in OrderEvent.objects.filter(order=order, kind="created").values_list(
        "data", flat=True
    ):
        codes |= set((data or {}).get("coupons") or {})
    for code in sorted(codes):
        promo_coupons.reverse(
            order.store.brand_id, code, order.number, reversal_reference=f"{why}:{order.number}"
        )


def _same_request(order: Order, store: Store, channel: str) -> Order:
    if (order.store_id, order.channel) != (store.pk, channel):
        raise Conflict(
            OrderError.REFERENCE_REUSED,
            _("This reference already names another order."),
            {"reference": order.reference},
        )
    return order


def _sell_lines(order: Order) -> None:
    """Turn every line into a sale (from its reservation when it holds one), the basket in one
    inventory call. Idempotent: inventory replays a sale whose reference it has seen."""
    lines = list(order.lines.order_by("line_no"))
    held = set(
        Reservation.objects.filter(
            reference__in=[line.reservation_reference for line in lines],
            status=ReservationStatus.ACTIVE,
        ).values_list("reference", flat=True)
    )
    inventory.sell_many(
        location_id=order.location_id,
        lines=[
            inventory.SaleLine(
                sku_id=line.sku_id,
                quantity=line.quantity,
                reference=line.sale_reference,
                reservation_reference=(
                    line.reservation_reference if line.reservation_reference in held else None
                ),
            )
            for line in lines
        ],
    )
    order.lines.exclude(fulfilled_quantity=F("quantity")).update(fulfilled_quantity=F("quantity"))


def _release_lines(order: Order) -> None:
    refs = [f"{order.number}:{n}" for n in order.lines.values_list("line_no", flat=True)]
    for ref in Reservation.objects.filter(
        reference__in=refs, status=ReservationStatus.ACTIVE
    ).values_list("reference", flat=True):
        inventory.release(ref)


def get_order(order_id: int, store_ids: frozenset[int] | set[int] | None = None) -> Order:
    qs = Order.objects.select_related("store", "location")
    if store_ids is not None:
        qs = qs.filter(store_id__in=store_ids)
    order = qs.filter(pk=order_id).first() if 0 < order_id < 2**62 else None
    if order is None:
        raise NotFound(_("order"), code=OrderError.ORDER_NOT_FOUND)
    return order


@transaction.atomic
def mark_paid(order: Order, *, note: str = "") -> Order:
    """Payment recorded (matching payments to totals is the payments issue's job). A till
    carry-out sells and completes at once: the goods leave with the customer."""
    state.transition(order, S.PAID, note=note)
    if order.fulfilment_mode == FulfilmentMode.POS_CARRY_OUT:
        _sell_lines(order)
        state.transition(order, S.COMPLETED)
    return order


def allocate(order: Order) -> Order:
    return state.transition(order, S.ALLOCATED)


def start_picking(order: Order) -> Order:
    return state.transition(order, S.PICKING)


@transaction.atomic
def dispatch(order: Order, target: str, picked: dict[int, int] | None = None) -> Order:
    """Goods leave the store (shipped or out for delivery): reservations become sales; lines
    picked short (``picked``: line id → units) make the order partially fulfilled."""
    from . import fulfilment

    expected = {
        FulfilmentMode.SHIP: S.SHIPPED,
        FulfilmentMode.DELIVERY: S.OUT_FOR_DELIVERY,
    }.get(order.fulfilment_mode)  # type: ignore[call-overload]
    if target != expected:
        raise ValidationFailed(
            OrderError.INVALID_FULFILMENT,
            _("This order is not fulfilled that way."),
            {"fulfilment_mode": order.fulfilment_mode, "to": target},
        )
    current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
    if current != S.PICKING:
        state.transition(order, target)  # refused with the state machine's error
    short = fulfilment.fulfil_lines(order, picked)
    return fulfilment._leave(order, target, short)


@transaction.atomic
def complete(order: Order, *, note: str = "", pickup_verified: bool = False) -> Order:
    """Close a fulfilled order. A waiting pickup completes only through
    ``pickup.verify_pickup`` (the customer's code), so goods never leave unchecked."""
    current = Order.objects.values_list("status", flat=True).get(pk=order.pk)
    if current == S.READY_FOR_PICKUP:
        if not pickup_verified:
            raise InvalidState(
                OrderError.PICKUP_CODE_REQUIRED,
                _("A pickup is handed over only against the customer's pickup code."),
            )
        _sell_lines(order)
    return state.transition(order, S.COMPLETED, note=note)


@transaction.atomic
def cancel(order: Order, *, reason: str = "") -> Order:
    """Cancel and give back every unit still held for the order."""
    state.transition(order, S.CANCELLED, note=reason)
    _release_lines(order)
    _reverse_coupons(order, "cancel")
    return order


@transaction.atomic
def refund(order: Order, *, reason: str = "") -> Order:
    """Status, what is still held released (a paid order refunded before it left the store
    must not keep its units off the shelf), and the coupons it used given back: the money
    side belongs to payments, returned goods to customer returns."""
    state.transition(order, S.REFUNDED, note=reason)
    _release_lines(order)
    _reverse_coupons(order, "refund")
    return order


def payment_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "ORDERS_PAYMENT_TIMEOUT_MINUTES", 30)))


def cancel_unpaid_orders(limit: int = 500) -> int:
    """Cancel remote orders left unpaid past the timeout, so their reservations do not keep
    stock off the shelf for days. Till orders hold no stock and are left to the till."""
    cutoff = clock.now() - payment_timeout()
    due = list(
        Order.objects.filter(status=S.AWAITING_PAYMENT, created_at__lte=cutoff)
        .exclude(fulfilment_mode=FulfilmentMode.POS_CARRY_OUT)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in due:
        try:
            cancel(Order.objects.get(pk=pk), reason=_("Not paid in time"))
        except InvalidState:
            continue  # paid meanwhile
        done += 1
    return done
