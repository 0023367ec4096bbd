"""Till writes: open and close shifts, move cash, check out a cart.

Each shift write is one short transaction with an audit row. Checkout keeps the payment
provider call outside any transaction (place order → take payment → record the receipt), and
is idempotent on the client's reference: a retry returns the receipt already made.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.catalog.models import Sku
from omniretail.catalog.restrictions import check_sellable_many
from omniretail.core import audit, clock, ids
from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.core.money import quantize, to_decimal
from omniretail.orders import services as orders
from omniretail.orders.models import FulfilmentMode, Order, OrderChannel

from . import reports
from .errors import PosError
from .models import (
    CashMovement,
    MovementKind,
    PosSale,
    Register,
    Shift,
    ShiftStatus,
    ZReport,
)


def _amount(value: Any, *, allow_zero: bool = True) -> Decimal:
    amount = quantize(to_decimal(value))
    if amount < 0 or (amount == 0 and not allow_zero) or amount != to_decimal(value):
        raise ValidationFailed(
            PosError.INVALID_AMOUNT, _("Amounts are positive yuan with at most two decimals.")
        )
    return amount


def _locked_open_shift(shift_id: int) -> Shift:
    shift = Shift.objects.select_for_update().select_related("register").get(pk=shift_id)
    if shift.status != ShiftStatus.OPEN:
        raise InvalidState(PosError.SHIFT_CLOSED, _("The shift is closed."), {"shift": shift_id})
    return shift


def create_register(*, store_id: int, code: str, name: str) -> Register:
    with transaction.atomic():
        register = Register.objects.create(store_id=store_id, code=code, name=name)
        audit.record("pos.register.create", register, store_id=store_id)
    return register


def open_shift(*, register: Register, cashier_id: int | None, opening_float: Any) -> Shift:
    """Open a shift on a register; the float is the drawer's first movement. A second open
    shift on the same register is refused (and the database constraint backs that up)."""
    amount = _amount(opening_float)
    now = clock.now()
    try:
        with transaction.atomic():
            if Shift.objects.filter(register=register, status=ShiftStatus.OPEN).exists():
                raise _already_open(register)
            shift = Shift.objects.create(  # type: ignore[misc]  # MoneyField takes Decimal
                register=register, cashier_id=cashier_id, opened_at=now, opening_float=amount
            )
            CashMovement.objects.create(  # type: ignore[misc]
                shift=shift, kind=MovementKind.FLOAT, amount=amount, at=now, reason="float"
            )
            audit.record(
                "pos.shift.open",
                shift,
                changes={"opening_float": str(amount)},
                store_id=register.store_id,
            )
    except IntegrityError as exc:
        raise _already_open(register) from exc
    return shift


def _already_open(register: Register) -> Conflict:
    return Conflict(
        PosError.SHIFT_ALREADY_OPEN,
        _("This register already has an open shift."),
        {"register_id": register.pk},
    )


def move_cash(*, shift_id: int, kind: str, amount: Any, reason: str = "") -> CashMovement:
    """Cash in (e.g. more change) or cash out (e.g. a safe drop) of an open shift's drawer."""
    if kind not in (MovementKind.CASH_IN, MovementKind.CASH_OUT):
        raise ValidationFailed(PosError.INVALID_AMOUNT, _("Only cash in or cash out."))
    value = _amount(amount, allow_zero=False)
    with transaction.atomic():
        shift = _locked_open_shift(shift_id)
        movement = CashMovement.objects.create(  # type: ignore[misc]
            shift=shift, kind=kind, amount=value, reason=reason[:200], at=clock.now()
        )
        audit.record(
            f"pos.shift.{kind}",
            shift,
            changes={"amount": str(value)},
            reason=reason[:200],
            store_id=shift.register.store_id,
        )
    return movement


def close_shift(*, shift_id: int, counted_cash: Any) -> ZReport:
    """Close with the counted drawer: variance = counted − expected; the Z report is written,
    numbered per register and business day, and never changed afterwards."""
    counted = _amount(counted_cash)
    with transaction.atomic():
        shift = _locked_open_shift(shift_id)
        expected = reports.expected_cash(shift.pk)
        shift.status = ShiftStatus.CLOSED
        shift.closed_at = clock.now()
        shift.counted_cash = counted
        shift.expected_cash = expected
        shift.variance = counted - expected
        shift.save(
            update_fields=["status", "closed_at", "counted_cash", "expected_cash", "variance"]
        )
        totals = reports.x_report(shift)
        totals.pop("generated_at")
        for key in ("opened_at", "closed_at"):
            totals[key] = totals[key].isoformat() if totals[key] else None
        register = shift.register
        z = ZReport.objects.create(
            register=register,
            shift=shift,
            number=ids.next_document_number(_z_prefix(register)),
            created_at=shift.closed_at,
            business_day=clock.today(),
            totals=totals,
        )
        audit.record(
            "pos.shift.close",
            shift,
            changes={
                "counted_cash": str(counted),
                "expected_cash": str(expected),
                "variance": str(shift.variance),
                "z_report": z.number,
            },
            store_id=register.store_id,
        )
    return z


def _z_prefix(register: Register) -> str:
    """Z numbers run per register: Z + store id + the register code's letters and digits."""
    cleaned = re.sub(r"[^A-Z0-9]", "", register.code.upper())
    return f"Z{register.store_id}R{cleaned}"[:40]


# --- Checkout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutLine:
    sku_id: int
    quantity: int
    # Supervisor-approved at the till (``approvals``): a new unit price, yuan off the line.
    override_price: Decimal | None = None
    manual_discount: Decimal = Decimal("0.00")


@dataclass
class CheckoutResult:
    sale: PosSale
    order: Order
    replayed: bool = False
    failures: list[Any] = field(default_factory=list)


def check_age(sku_ids: Sequence[int], age_verified: bool) -> None:
    """Refuse what the till may not sell, and age-restricted goods (烟酒) until the cashier
    confirms the buyer's age."""
    needs: list[int] = []
    skus = list(Sku.objects.select_related("product__category").filter(pk__in=list(sku_ids)))
    verdicts = check_sellable_many(skus, "pos")
    for sku in skus:
        verdict = verdicts[sku.pk]
        if not verdict.sellable:
            raise ValidationFailed(
                PosError.NOT_SELLABLE,
                _("%(sku)s cannot be sold at the till: %(reasons)s")
                % {"sku": sku.code, "reasons": " ".join(verdict.reasons)},
                {"sku_id": sku.pk, "codes": verdict.codes},
            )
        if verdict.requires_age_check:
            needs.append(sku.pk)
    if needs and not age_verified:
        raise ValidationFailed(
            PosError.AGE_CHECK_REQUIRED,
            _("Check the buyer's age before selling these items."),
            {"sku_ids": sorted(needs)},
        )


def checkout(
    *,
    shift: Shift,
    lines: Sequence[CheckoutLine],
    tenders: Sequence[Any],
    reference: str,
    member_id: int | None = None,
    age_verified: bool = False,
    coupon_codes: Sequence[str] = (),
) -> CheckoutResult:
    """Place a carry-out till order and take its payment; record the receipt and the cash
    that moved in the drawer. ``tenders`` are ``payments.services.TenderIn``."""
    done = PosSale.objects.select_related("order").filter(reference=reference).first()
    if done is not None:
        if done.shift_id != shift.pk:
            raise Conflict(PosError.REFERENCE_REUSED, _("This reference names another sale."))
        return CheckoutResult(sale=done, order=done.order, replayed=True)
    if shift.status != ShiftStatus.OPEN:
        raise InvalidState(PosError.SHIFT_CLOSED, _("The shift is closed."))
    check_age([ln.sku_id for ln in lines], age_verified)
    store = shift.register.store
    order = orders.place_order(
        store=store,
        channel=OrderChannel.POS,
        fulfilment_mode=FulfilmentMode.POS_CARRY_OUT,
        lines=[orders.LineRequest(ln.sku_id, ln.quantity) for ln in lines],
        reference=f"pos:{reference}",
        member_id=member_id,
        **_order_extras(lines, coupon_codes),
    )
    tenders = _tenders(tenders)
    result = _take_payment(order, tenders, reference, shift)
    if result.status != "paid" and result.failures:
        _undo_partial(order, result)
    if result.status != "paid":
        raise ValidationFailed(
            PosError.PAYMENT_FAILED,
            _("The payment did not go through; nothing was sold."),
            {
                "order_number": order.number,
                "status": result.status,
                "paid_total": str(result.paid_total),
                "failures": [str(f) for f in result.failures][:10],
            },
        )
    done = _record_sale(shift, order, tenders, reference, result)
    if not done.replayed:
        _check_risk(result)
    return done


def _check_risk(result: Any) -> None:
    """Payment risk rules (velocity, amount outliers) flag — never block — the sale."""
    from omniretail.payments import risk
    from omniretail.payments.models import Payment

    for payment in Payment.objects.filter(pk__in=list(result.payment_ids or [])):
        risk.check_payment(payment)


def _undo_partial(order: Order, result: Any) -> None:
    """A split where one tender was declined: what the others captured goes back (points and
    stored value to the member, cards and wallets through their provider) and the till order
    is cancelled, so nothing is half-sold. The cashier retries as a new attempt."""
    from omniretail.payments import services as payments
    from omniretail.payments.models import Payment, PaymentStatus

    captured = Payment.objects.filter(
        pk__in=list(result.payment_ids or []), status=PaymentStatus.CAPTURED
    )
    for payment in captured:
        payments.refund(
            payment_id=payment.pk,
            amount=payment.amount - payment.refunded_amount,
            reason=_("Split payment failed"),
            reference=f"void:{payment.reference}"[:100],
        )
    order.refresh_from_db()
    if order.status == "awaiting_payment":
        with transaction.atomic():
            orders.cancel(order, reason=_("Split payment failed"))


def _order_extras(lines: Sequence[CheckoutLine], coupon_codes: Sequence[str]) -> dict[str, Any]:
    """Coupons and approved price exceptions go to the orders service, which prices the order.
    Until ``place_order`` takes them (``coupon_codes``, ``price_overrides`` {sku: unit price},
    ``manual_discounts`` {sku: yuan}) a cart using them is refused — never sold at a price
    other than the one on the screen."""
    extras: dict[str, Any] = {}
    if coupon_codes:
        extras["coupon_codes"] = list(coupon_codes)
    overrides = {ln.sku_id: ln.override_price for ln in lines if ln.override_price is not None}
    discounts = {ln.sku_id: ln.manual_discount for ln in lines if ln.manual_discount}
    if overrides:
        extras["price_overrides"] = overrides
    if discounts:
        extras["manual_discounts"] = discounts
    accepted = inspect.signature(orders.place_order).parameters
    missing = [name for name in extras if name not in accepted]
    if missing:
        raise InvalidState(
            PosError.ADJUSTMENTS_UNSUPPORTED,
            _("Coupons and manual prices cannot be charged yet; remove them to check out."),
            {"unsupported": missing},
        )
    return extras


def _tenders(tenders: Sequence[Any]) -> list[Any]:
    """Tenders as payments' ``TenderIn`` (the API hands plain dicts)."""
    try:
        from omniretail.payments.services import TenderIn
    except ImportError as exc:  # payments ships separately; say so instead of a 500
        raise InvalidState(
            PosError.PAYMENTS_UNAVAILABLE, _("Payments are not available yet.")
        ) from exc
    return [TenderIn(**t) if isinstance(t, dict) else t for t in tenders]


def _take_payment(order: Order, tenders: Sequence[Any], reference: str, shift: Shift) -> Any:
    try:
        from omniretail.payments.services import take_payment
    except ImportError as exc:  # payments ships separately; say so instead of a 500
        raise InvalidState(
            PosError.PAYMENTS_UNAVAILABLE, _("Payments are not available yet.")
        ) from exc
    return take_payment(
        order_id=order.pk,
        tenders=list(tenders),
        reference=f"pos:{reference}",
        register_id=shift.register_id,
        shift_id=shift.pk,
    )


def _record_sale(
    shift: Shift, order: Order, tenders: Sequence[Any], reference: str, result: Any
) -> CheckoutResult:
    now = clock.now()
    cash_in = sum(
        (
            quantize(t.tendered if t.tendered is not None else t.amount)
            for t in tenders
            if t.kind == "cash"
        ),
        Decimal("0.00"),
    )
    change = quantize(result.change_due or 0)
    try:
        with transaction.atomic():
            sale = PosSale.objects.create(  # type: ignore[misc]
                shift=shift,
                order=order,
                reference=reference,
                paid_total=quantize(result.paid_total),
                change_due=change,
                tenders=[{"kind": t.kind, "amount": str(quantize(t.amount))} for t in tenders],
                created_at=now,
            )
            for kind, amount in ((MovementKind.SALE, cash_in), (MovementKind.CHANGE, change)):
                if amount:
                    CashMovement.objects.create(  # type: ignore[misc]
                        shift=shift, kind=kind, amount=amount, at=now, reference=order.number
                    )
    except IntegrityError:
        sale = PosSale.objects.select_related("order").get(reference=reference)
        return CheckoutResult(sale=sale, order=sale.order, replayed=True)
    return CheckoutResult(sale=sale, order=order, failures=list(result.failures or []))
