"""Till reports: the X report (running totals of an open shift, read as often as wanted) and
the figures a Z report freezes; the store's end-of-day summary adds the Z reports up.

Everything is summed from ``CashMovement`` and ``PosSale`` rows, in fen, so the report and the
drawer can never disagree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from omniretail.core import clock
from omniretail.core.money import from_fen, to_fen

from .models import DRAWER_SIGN, MovementKind, PosSale, Shift, ShiftStatus, ZReport


def movement_totals(shift_id: int) -> dict[str, Decimal]:
    """Sum per movement kind, every kind present (zero when none)."""
    totals = {k: Decimal("0.00") for k in MovementKind.values}
    rows = (
        Shift.objects.get(pk=shift_id)
        .movements.values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    for kind, total in rows:
        totals[kind] = from_fen(to_fen(total or 0))
    return totals


def expected_cash(shift_id: int) -> Decimal:
    """float + cash sales − change − cash out + cash in − cash refunds."""
    totals = movement_totals(shift_id)
    fen = sum(DRAWER_SIGN[k] * to_fen(v) for k, v in totals.items())
    return from_fen(fen)


def x_report(shift: Shift) -> dict[str, Any]:
    """Running totals of a shift (open or closed): drawer movements, sales and tender mix."""
    totals = movement_totals(shift.pk)
    sales = PosSale.objects.filter(shift=shift)
    agg = sales.aggregate(n=Count("pk"), total=Sum("paid_total"))
    tender_mix: dict[str, int] = {}
    for tenders in sales.values_list("tenders", flat=True):
        for t in tenders:
            tender_mix[t["kind"]] = tender_mix.get(t["kind"], 0) + to_fen(t["amount"])
    return {
        "shift_id": shift.pk,
        "register_id": shift.register_id,
        "status": shift.status,
        "opened_at": shift.opened_at,
        "closed_at": shift.closed_at,
        "opening_float": str(shift.opening_float),
        "cash_in": str(totals[MovementKind.CASH_IN]),
        "cash_out": str(totals[MovementKind.CASH_OUT]),
        "cash_sales": str(totals[MovementKind.SALE]),
        "change_given": str(totals[MovementKind.CHANGE]),
        "cash_refunds": str(totals[MovementKind.REFUND]),
        "expected_cash": str(expected_cash(shift.pk)),
        "counted_cash": None if shift.counted_cash is None else str(shift.counted_cash),
        "variance": None if shift.variance is None else str(shift.variance),
        "sales_count": agg["n"] or 0,
        "sales_total": str(from_fen(to_fen(agg["total"] or 0))),
        "tenders": {k: str(from_fen(v)) for k, v in sorted(tender_mix.items())},
        "generated_at": clock.now(),
    }


def end_of_day(store_id: int, day: dt.date) -> dict[str, Any]:
    """Per store and business day: the Z reports of shifts closed that day, added up."""
    start, end = clock.business_day_bounds(day)
    shifts = Shift.objects.filter(
        register__store_id=store_id,
        status=ShiftStatus.CLOSED,
        closed_at__gte=start,
        closed_at__lt=end,
    )
    keys = ("sales_total", "cash_sales", "change_given", "cash_in", "cash_out", "variance")
    sums = dict.fromkeys(keys, 0)
    tenders: dict[str, int] = {}
    reports = list(
        ZReport.objects.filter(shift__in=shifts).select_related("register").order_by("number")
    )
    for z in reports:
        for key in keys:
            sums[key] += to_fen(z.totals.get(key) or 0)
        for kind, amount in z.totals.get("tenders", {}).items():
            tenders[kind] = tenders.get(kind, 0) + to_fen(amount)
    return {
        "store_id": store_id,
        "business_day": day,
        "z_reports": [z.number for z in reports],
        "sales_count": sum(int(z.totals.get("sales_count", 0)) for z in reports),
        **{k: str(from_fen(v)) for k, v in sums.items()},
        "tenders": {k: str(from_fen(v)) for k, v in sorted(tenders.items())},
        "open_shifts": Shift.objects.filter(
            register__store_id=store_id, status=ShiftStatus.OPEN
        ).count(),
    }
