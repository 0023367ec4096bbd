"""Refunds at the till and fapiao requests on till sales.

A till refund is a return through the orders service (stock back on this store's floor,
points reversed, money back to the original tenders through ``payments.refund``), approved by
a supervisor's PIN. The part refunded in cash leaves this shift's drawer as a ``refund``
movement. Idempotent on the client's reference; risk rules look at every refund.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.money import ZERO, quantize
from omniretail.orders import returns
from omniretail.orders.models import Order, OrderLine

from . import approvals
from .errors import PosError
from .models import CashMovement, Fapiao, MovementKind, PosRefund, PosSale, Shift


def find_receipt(number: str, store_ids: Any) -> Order:
    """An order by its number (the receipt's barcode) or its till receipt number."""
    number = (number or "").strip()[:80]
    order = Order.objects.filter(number=number, store_id__in=list(store_ids)).first()
    if order is None and number.isdigit() and len(number) <= 18:
        sale = PosSale.objects.filter(pk=int(number), order__store_id__in=list(store_ids)).first()
        order = sale.order if sale else None
    if order is None:
        raise NotFound(_("receipt"), code=PosError.UNKNOWN_RECEIPT)
    return order


def refundable_lines(order: Order) -> list[dict[str, Any]]:
    rows = []
    for line in OrderLine.objects.filter(order=order).select_related("sku").order_by("line_no"):
        returned = sum(r.quantity for r in line.returns.all())
        rows.append(
            {
                "id": line.pk,
                "name": line.sku.name,
                "quantity": line.quantity,
                "returned": returned,
                "left": line.quantity - returned,
                "net": line.net,
            }
        )
    return rows


def refund_at_till(
    *,
    shift: Shift,
    order: Order,
    lines: Sequence[tuple[int, int]],
    reference: str,
    supervisor: str,
    pin: str,
    reason: str = "",
    with_receipt: bool = True,
    store_ids: Any = None,
) -> PosRefund:
    """Give back ``lines`` ((order line id, quantity)) of ``order`` at this shift's till."""
    reference = (reference or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,60}", reference):
        raise ValidationFailed(PosError.INVALID_REFUND, _("A refund reference is required."))
    prior = PosRefund.objects.filter(reference=reference).first()
    if prior is not None:
        return prior
    wanted = [(int(i), int(q)) for i, q in lines if int(q) > 0]
    if not wanted:
        raise ValidationFailed(PosError.INVALID_REFUND, _("Choose at least one item to refund."))
    if shift.status != "open":
        raise ValidationFailed(PosError.SHIFT_CLOSED, _("The shift is closed."))
    sold = {
        ln.pk: ln for ln in OrderLine.objects.filter(order=order, pk__in=[i for i, _q in wanted])
    }
    estimate = quantize(
        sum((sold[i].net * q / sold[i].quantity for i, q in wanted if i in sold), ZERO)
    )
    approver = approvals.approve_refund(
        shift=shift, supervisor=supervisor, pin=pin, amount=estimate, reason=reason
    )
    row = returns.return_lines(
        order.pk,
        wanted,
        store_id=shift.register.store_id,
        reference=f"till:{reference}",
        reason=reason or _("Refund at the till"),
        store_ids=store_ids,
    )
    cash = _cash_refunded(row.reference)
    now = clock.now()
    try:
        with transaction.atomic():
            refund = PosRefund.objects.create(  # type: ignore[misc]  # MoneyField takes Decimal
                shift=shift,
                order=order,
                return_id=row.pk,
                reference=reference,
                amount=row.refunded,
                cash_amount=cash,
                with_receipt=with_receipt,
                supervisor=approver,
                created_at=now,
            )
            if cash:
                CashMovement.objects.create(  # type: ignore[misc]
                    shift=shift,
                    kind=MovementKind.REFUND,
                    amount=cash,
                    at=now,
                    reference=order.number,
                    reason=reason[:200],
                )
            audit.record(
                "pos.refund",
                shift,
                changes={"order": order.number, "amount": str(row.refunded), "cash": str(cash)},
                reason=reason[:300],
                store_id=shift.register.store_id,
            )
    except IntegrityError:
        return PosRefund.objects.get(reference=reference)
    from omniretail.payments import risk

    risk.check_refund(
        cashier_id=shift.cashier_id,
        store_id=shift.register.store_id,
        with_receipt=with_receipt,
        amount=row.refunded,
    )
    return refund


def _cash_refunded(return_reference: str) -> Decimal:
    from omniretail.payments.models import Refund, RefundStatus

    rows = Refund.objects.filter(
        reference__startswith=f"{return_reference}:p",
        status=RefundStatus.SUCCEEDED,
        payment__kind="cash",
    )
    return quantize(sum((r.amount for r in rows), ZERO))


TAX_ID = re.compile(r"[0-9A-Z]{15,20}")


def request_fapiao(
    sale: PosSale, *, kind: str, title: str, tax_id: str = "", email: str = ""
) -> Fapiao:
    """Capture the 发票 details for a sale (one request per sale; a second one replaces the
    details until finance issues it)."""
    title = (title or "").strip()[:100]
    tax_id = (tax_id or "").strip().upper()
    if kind not in Fapiao.Kind.values or not title:
        raise ValidationFailed(PosError.INVALID_FAPIAO, _("Choose the type and enter a title."))
    if kind == Fapiao.Kind.COMPANY and not TAX_ID.fullmatch(tax_id):
        raise ValidationFailed(
            PosError.INVALID_FAPIAO,
            _("A company invoice needs the 15–20 character taxpayer ID."),
            {"field": "tax_id"},
        )
    email = (email or "").strip()[:254]
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValidationFailed(
            PosError.INVALID_FAPIAO, _("Enter a valid email address."), {"field": "email"}
        )
    with transaction.atomic():
        row, _created = Fapiao.objects.update_or_create(
            sale=sale,
            defaults={
                "kind": kind,
                "title": title,
                "tax_id": tax_id,
                "email": email,
                "requested_at": clock.now(),
            },
        )
        audit.record("pos.fapiao.request", sale, store_id=sale.order.store_id)
    return row
