"""Supervisor approval at the till: price overrides, line voids, manual discounts and refunds
need a supervisor's PIN.

A PIN is stored as an argon2 hash through Django's hashers, one per supervisor. The supervisor
names themselves (their username) and types the PIN; a wrong PIN is a typed 403
(``pos_supervisor_pin_invalid``) and counts a failure — five in a row lock the PIN for fifteen
minutes. Every approval writes a ``PosOverride`` row and an audit row, and is counted by the
payments risk rules (manual price overrides per cashier).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core import audit, clock
from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.core.money import quantize

from .errors import PosError
from .models import OverrideKind, PosCartLine, PosOverride, Shift, SupervisorPin

MAX_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)
PIN_HASHER = "argon2"


def _check_format(pin: str) -> None:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationFailed(PosError.INVALID_PIN, _("A PIN is 4 to 8 digits."))


def set_pin(user: Any, pin: str) -> SupervisorPin:
    """Give ``user`` (who must be able to supervise a till somewhere) an approval PIN."""
    _check_format(pin)
    if resolve_scope(user, Perm.POS_SUPERVISE).empty:
        raise PermissionDenied(
            PosError.NOT_A_SUPERVISOR, _("Only supervisors can have an approval PIN.")
        )
    with transaction.atomic():
        row, _created = SupervisorPin.objects.update_or_create(
            user=user,
            defaults={
                "pin_hash": make_password(pin, hasher=PIN_HASHER),
                "failed_attempts": 0,
                "locked_until": None,
                "updated_at": clock.now(),
            },
        )
        audit.record("pos.supervisor_pin.set", row)
    return row


def _denied() -> PermissionDenied:
    return PermissionDenied(PosError.SUPERVISOR_PIN_INVALID, _("Wrong supervisor or PIN."))


def verify(*, store_id: int, supervisor: str, pin: str) -> Any:
    """The supervisor user whose PIN this is, if they may supervise ``store_id``; else a typed
    403 (the same message for unknown user, wrong PIN or no right, so nothing leaks)."""
    user = (
        get_user_model().objects.filter(username=(supervisor or "").strip()[:150]).first()
        if supervisor
        else None
    )
    row = SupervisorPin.objects.filter(user=user).first() if user is not None else None
    if row is None or not user.is_active:
        raise _denied()
    now = clock.now()
    if row.locked_until is not None and row.locked_until > now:
        raise PermissionDenied(
            PosError.SUPERVISOR_PIN_LOCKED,
            _("Too many wrong PINs: this supervisor's PIN is locked for a while."),
        )
    if not check_password(pin or "", row.pin_hash):
        failures = row.failed_attempts + 1
        SupervisorPin.objects.filter(pk=row.pk).update(
            failed_attempts=failures,
            locked_until=now + LOCK_FOR if failures >= MAX_FAILURES else None,
        )
        audit.record("pos.supervisor_pin.failed", row, store_id=store_id)
        raise _denied()
    if row.failed_attempts:
        SupervisorPin.objects.filter(pk=row.pk).update(failed_attempts=0, locked_until=None)
    if not resolve_scope(user, Perm.POS_SUPERVISE).has_store(store_id):
        raise _denied()
    return user


def _record(
    shift: Shift,
    kind: str,
    supervisor: Any,
    *,
    sku_id: int | None,
    before: Decimal,
    after: Decimal,
    reason: str,
) -> PosOverride:
    row = PosOverride.objects.create(  # type: ignore[misc]  # MoneyField takes Decimal
        shift=shift,
        kind=kind,
        sku_id=sku_id,
        cashier_id=shift.cashier_id,
        supervisor=supervisor,
        before=before,
        after=after,
        reason=reason[:200],
        at=clock.now(),
    )
    audit.record(
        f"pos.override.{kind}",
        shift,
        changes={"sku_id": sku_id, "before": str(before), "after": str(after)},
        reason=f"{supervisor.username}: {reason}"[:300],
        store_id=shift.register.store_id,
    )
    return row


def _count_for_risk(shift: Shift) -> None:
    from omniretail.payments import risk

    count = PosOverride.objects.filter(
        cashier_id=shift.cashier_id,
        kind__in=[
            OverrideKind.PRICE_OVERRIDE,
            OverrideKind.MANUAL_DISCOUNT,
            OverrideKind.LINE_VOID,
        ],
        at__gte=risk.override_window_start(),
    ).count()
    risk.check_overrides(cashier_id=shift.cashier_id, store_id=shift.register.store_id, count=count)


def _line(shift: Shift, line_id: int) -> PosCartLine:
    line = (
        PosCartLine.objects.select_related("cart")
        .filter(pk=line_id, cart__shift=shift, cart__status="active")
        .first()
    )
    if line is None:
        raise ValidationFailed(PosError.UNKNOWN_LINE, _("No such line in the cart."))
    return line


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(PosError.REASON_REQUIRED, _("Give a reason."))
    return reason[:200]


def _yuan(raw: Any, message: str) -> Decimal:
    """A hand-typed yuan amount from 0 to ¥1,000,000, or a 422 with ``message``."""
    try:
        value = quantize(Decimal(str(raw)))
    except (ArithmeticError, ValueError) as exc:
        raise ValidationFailed(PosError.INVALID_AMOUNT, message) from exc
    if value < 0 or value > Decimal("1000000"):
        raise ValidationFailed(PosError.INVALID_AMOUNT, message)
    return value


def override_price(
    *, shift: Shift, line_id: int, unit_price: Any, supervisor: str, pin: str, reason: str
) -> PosOverride:
    """Set a line's unit price by hand (damaged pack, shelf-label price); needs a PIN."""
    reason = _reason(reason)
    price = _yuan(unit_price, _("Enter a price."))
    approver = verify(store_id=shift.register.store_id, supervisor=supervisor, pin=pin)
    with transaction.atomic():
        line = _line(shift, line_id)
        before = line.override_price if line.override_price is not None else Decimal("0.00")
        line.override_price = price
        line.save(update_fields=["override_price"])
        row = _record(
            shift,
            OverrideKind.PRICE_OVERRIDE,
            approver,
            sku_id=line.sku_id,
            before=before,
            after=price,
            reason=reason,
        )
    _count_for_risk(shift)
    return row


def manual_discount(
    *, shift: Shift, line_id: int, amount: Any, supervisor: str, pin: str, reason: str
) -> PosOverride:
    """Take ``amount`` yuan off a line by hand; needs a PIN."""
    reason = _reason(reason)
    value = _yuan(amount, _("Enter an amount."))
    approver = verify(store_id=shift.register.store_id, supervisor=supervisor, pin=pin)
    with transaction.atomic():
        line = _line(shift, line_id)
        before = line.manual_discount
        line.manual_discount = value
        line.save(update_fields=["manual_discount"])
        row = _record(
            shift,
            OverrideKind.MANUAL_DISCOUNT,
            approver,
            sku_id=line.sku_id,
            before=before,
            after=value,
            reason=reason,
        )
    _count_for_risk(shift)
    return row


def void_line(*, shift: Shift, line_id: int, supervisor: str, pin: str, reason: str) -> PosOverride:
    """Remove a scanned line from the cart; needs a PIN (a void after the scan is the classic
    sweethearting move)."""
    reason = _reason(reason)
    approver = verify(store_id=shift.register.store_id, supervisor=supervisor, pin=pin)
    with transaction.atomic():
        line = _line(shift, line_id)
        row = _record(
            shift,
            OverrideKind.LINE_VOID,
            approver,
            sku_id=line.sku_id,
            before=Decimal(line.quantity),
            after=Decimal("0"),
            reason=reason,
        )
        line.delete()
    _count_for_risk(shift)
    return row


def approve_refund(*, shift: Shift, supervisor: str, pin: str, amount: Decimal, reason: str) -> Any:
    """A refund at the till is approved like an override (and recorded as one)."""
    approver = verify(store_id=shift.register.store_id, supervisor=supervisor, pin=pin)
    with transaction.atomic():
        _record(
            shift,
            OverrideKind.REFUND,
            approver,
            sku_id=None,
            before=Decimal("0.00"),
            after=amount,
            reason=reason or "refund",
        )
    return approver
