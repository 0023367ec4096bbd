"""Till JSON API under /api/v1/pos/. Thin: parse, check scope, call a service or selector.

Registers and shifts of stores outside the caller's scope answer 404 like unknown ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core import clock
from omniretail.core.errors import NotFound
from omniretail.core.models import Store
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import refunds, reports, selectors, services
from .errors import PosError
from .models import PosSale, Register, Shift, ZReport
from .schemas import (
    CashIn,
    CheckoutIn,
    CheckoutOut,
    CloseShiftIn,
    EndOfDayOut,
    OpenShiftIn,
    PosFapiaoIn,
    PosFapiaoOut,
    PosRefundIn,
    PosRefundOut,
    RegisterOut,
    ReportOut,
    ScanOut,
    ShiftOut,
    ZReportOut,
)

router = Router(tags=["pos"])
OPERATE = access(Perm.POS_OPERATE)
SUPERVISE = access(Perm.POS_SUPERVISE)


def _stores(request: HttpRequest) -> frozenset[int]:
    return request.scope.store_ids  # type: ignore[attr-defined,no-any-return]


def _store(request: HttpRequest, store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id).first() if store_id in _stores(request) else None
    if store is None:
        raise NotFound(_("store"), code=PosError.UNKNOWN_STORE)
    return store


def _register(request: HttpRequest, register_id: int) -> Register:
    register = (
        Register.objects.select_related("store")
        .filter(pk=register_id, store_id__in=_stores(request))
        .first()
        if 0 < register_id < 2**62
        else None
    )
    if register is None:
        raise NotFound(_("register"), code=PosError.UNKNOWN_REGISTER)
    return register


def _shift(request: HttpRequest, shift_id: int) -> Shift:
    shift = (
        Shift.objects.select_related("register__store")
        .filter(pk=shift_id, register__store_id__in=_stores(request))
        .first()
        if 0 < shift_id < 2**62
        else None
    )
    if shift is None:
        raise NotFound(_("shift"), code=PosError.UNKNOWN_SHIFT)
    return shift


def shift_out(shift: Shift) -> dict[str, Any]:
    def text(v: Any) -> str | None:
        return None if v is None else str(v)

    expected = shift.expected_cash
    if expected is None:
        expected = reports.expected_cash(shift.pk)
    return {
        "id": shift.pk,
        "register_id": shift.register_id,
        "status": shift.status,
        "opened_at": shift.opened_at,
        "closed_at": shift.closed_at,
        "opening_float": str(shift.opening_float),
        "expected_cash": text(expected),
        "counted_cash": text(shift.counted_cash),
        "variance": text(shift.variance),
    }


@router.get("/scan", auth=OPERATE, response={200: ScanOut, **READ_ERRORS})
def scan(request: HttpRequest, store_id: int, barcode: str) -> Any:
    """Barcode → a priced line for this store's till (pack barcodes scan as their pack)."""
    store = selectors.till_store(store_id) if store_id in _stores(request) else None
    if store is None:
        raise NotFound(_("store"), code=PosError.UNKNOWN_STORE)
    return selectors.line_out(selectors.scan(store, barcode))


@router.get("/registers", auth=OPERATE, response={200: list[RegisterOut], **READ_ERRORS})
def list_registers(request: HttpRequest, store_id: int) -> list[dict[str, Any]]:
    store = _store(request, store_id)
    open_ids = dict(
        Shift.objects.filter(register__store=store, status="open").values_list("register_id", "pk")
    )
    return [
        {
            "id": r.pk,
            "store_id": r.store_id,
            "code": r.code,
            "name": r.name,
            "open_shift_id": open_ids.get(r.pk),
        }
        for r in Register.objects.filter(store=store, active=True).order_by("code")
    ]


@router.post(
    "/registers/{register_id}/shifts", auth=OPERATE, response={200: ShiftOut, **WRITE_ERRORS}
)
def open_shift(request: HttpRequest, register_id: int, body: OpenShiftIn) -> dict[str, Any]:
    register = _register(request, register_id)
    shift = services.open_shift(
        register=register, cashier_id=request.user.pk, opening_float=body.opening_float
    )
    return shift_out(shift)


@router.get("/shifts/{shift_id}", auth=OPERATE, response={200: ShiftOut, **READ_ERRORS})
def get_shift(request: HttpRequest, shift_id: int) -> dict[str, Any]:
    return shift_out(_shift(request, shift_id))


@router.post("/shifts/{shift_id}/cash", auth=OPERATE, response={200: ShiftOut, **WRITE_ERRORS})
def move_cash(request: HttpRequest, shift_id: int, body: CashIn) -> dict[str, Any]:
    shift = _shift(request, shift_id)
    services.move_cash(shift_id=shift.pk, kind=body.kind, amount=body.amount, reason=body.reason)
    return shift_out(shift)


@router.post("/shifts/{shift_id}/close", auth=OPERATE, response={200: ZReportOut, **WRITE_ERRORS})
def close_shift(request: HttpRequest, shift_id: int, body: CloseShiftIn) -> ZReport:
    shift = _shift(request, shift_id)
    return services.close_shift(shift_id=shift.pk, counted_cash=body.counted_cash)


@router.get("/shifts/{shift_id}/x-report", auth=OPERATE, response={200: ReportOut, **READ_ERRORS})
def x_report(request: HttpRequest, shift_id: int) -> dict[str, Any]:
    return reports.x_report(_shift(request, shift_id))


@router.get("/shifts/{shift_id}/z-report", auth=OPERATE, response={200: ZReportOut, **READ_ERRORS})
def z_report(request: HttpRequest, shift_id: int) -> ZReport:
    shift = _shift(request, shift_id)
    z = ZReport.objects.filter(shift=shift).first()
    if z is None:
        raise NotFound(_("Z report"), code=PosError.UNKNOWN_SHIFT)
    return z


@router.get(
    "/stores/{store_id}/end-of-day", auth=SUPERVISE, response={200: EndOfDayOut, **READ_ERRORS}
)
def end_of_day(request: HttpRequest, store_id: int, day: dt.date | None = None) -> Any:
    store = _store(request, store_id)
    return reports.end_of_day(store.pk, day or clock.today())


@router.post("/checkout", auth=OPERATE, response={200: CheckoutOut, **WRITE_ERRORS})
def checkout(request: HttpRequest, body: CheckoutIn) -> dict[str, Any]:
    store = _store(request, body.store_id)
    shift = _shift(request, body.shift_id)
    if shift.register_id != body.register_id or shift.register.store_id != store.pk:
        raise NotFound(_("shift"), code=PosError.SHIFT_MISMATCH)
    result = services.checkout(
        shift=shift,
        lines=[services.CheckoutLine(ln.sku_id, ln.quantity) for ln in body.lines],
        tenders=[t.model_dump() for t in body.tenders],
        reference=body.reference,
        member_id=body.member_id,
        age_verified=body.age_verified,
    )
    order, sale = result.order, result.sale
    return {
        "receipt_id": sale.pk,
        "order_id": order.pk,
        "order_number": order.number,
        "list_total": str(order.list_total),
        "discount_total": str(order.discount_total),
        "total": str(order.total),
        "paid_total": str(sale.paid_total),
        "change_due": str(sale.change_due),
        "replayed": result.replayed,
    }


@router.post(
    "/shifts/{shift_id}/refunds", auth=OPERATE, response={200: PosRefundOut, **WRITE_ERRORS}
)
def refund_at_till(request: HttpRequest, shift_id: int, body: PosRefundIn) -> dict[str, Any]:
    """Refund lines of a receipt to the original tenders; a supervisor's PIN approves it."""
    shift = _shift(request, shift_id)
    order = refunds.find_receipt(body.receipt, _stores(request))
    row = refunds.refund_at_till(
        shift=shift,
        order=order,
        lines=[(ln.order_line_id, ln.quantity) for ln in body.lines],
        reference=body.reference,
        supervisor=body.supervisor,
        pin=body.pin,
        reason=body.reason,
        with_receipt=body.with_receipt,
        store_ids=_stores(request),
    )
    return {
        "id": row.pk,
        "order_number": order.number,
        "amount": str(row.amount),
        "cash_amount": str(row.cash_amount),
        "with_receipt": row.with_receipt,
    }


@router.post(
    "/receipts/{sale_id}/fapiao", auth=OPERATE, response={200: PosFapiaoOut, **WRITE_ERRORS}
)
def request_fapiao(request: HttpRequest, sale_id: int, body: PosFapiaoIn) -> dict[str, Any]:
    sale = (
        PosSale.objects.select_related("order")
        .filter(pk=sale_id, order__store_id__in=_stores(request))
        .first()
        if 0 < sale_id < 2**62
        else None
    )
    if sale is None:
        raise NotFound(_("receipt"), code=PosError.UNKNOWN_RECEIPT)
    row = refunds.request_fapiao(
        sale, kind=body.kind, title=body.title, tax_id=body.tax_id, email=body.email
    )
    return {
        "sale_id": sale.pk,
        "kind": row.kind,
        "title": row.title,
        "tax_id": row.tax_id,
        "email": row.email,
    }
