"""Shift arithmetic: float, cash sales with change, cash in/out, close with variance, Z."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.core.errors import Conflict, InvalidState
from omniretail.pos import reports, services
from omniretail.pos.models import CashMovement, MovementKind, ZReport


def _sale(shift, tendered: str, change: str) -> None:
    from omniretail.core import clock

    CashMovement.objects.create(
        shift=shift, kind=MovementKind.SALE, amount=Decimal(tendered), at=clock.now()
    )
    CashMovement.objects.create(
        shift=shift, kind=MovementKind.CHANGE, amount=Decimal(change), at=clock.now()
    )


def test_expected_cash_is_float_plus_sales_minus_change_and_out_plus_in_when_shift_runs(
    register, frozen_now
):
    shift = services.open_shift(register=register, cashier_id=None, opening_float="200.00")
    _sale(shift, "100.00", "12.50")  # a 87.50 sale paid with a 100 note
    services.move_cash(shift_id=shift.pk, kind="cash_out", amount="50.00", reason="投库")
    services.move_cash(shift_id=shift.pk, kind="cash_in", amount="20.00", reason="零钱")

    report = reports.x_report(shift)

    assert report["expected_cash"] == "257.50"  # 200 + 100 − 12.50 − 50 + 20
    assert report["cash_sales"] == "100.00"
    assert report["change_given"] == "12.50"


def test_close_records_variance_counted_minus_expected_when_drawer_is_short(register, frozen_now):
    shift = services.open_shift(register=register, cashier_id=None, opening_float="200.00")
    _sale(shift, "50.00", "3.20")

    z = services.close_shift(shift_id=shift.pk, counted_cash="246.00")

    shift.refresh_from_db()
    assert shift.expected_cash == Decimal("246.80")
    assert shift.variance == Decimal("-0.80")
    assert z.totals["variance"] == "-0.80"
    assert z.number.endswith("-20261123-000001")


def test_z_report_is_immutable_and_numbered_when_shifts_close(register, frozen_now):
    first = services.open_shift(register=register, cashier_id=None, opening_float="0")
    z1 = services.close_shift(shift_id=first.pk, counted_cash="0")
    second = services.open_shift(register=register, cashier_id=None, opening_float="0")
    z2 = services.close_shift(shift_id=second.pk, counted_cash="0")

    assert z1.number.endswith("000001") and z2.number.endswith("000002")
    z1.totals = {}
    with pytest.raises(ValueError):
        z1.save()
    assert ZReport.objects.get(pk=z1.pk).totals["expected_cash"] == "0.00"
    with pytest.raises(InvalidState):
        services.close_shift(shift_id=first.pk, counted_cash="0")


def test_second_open_shift_is_refused_when_register_already_open(register, frozen_now):
    services.open_shift(register=register, cashier_id=None, opening_float="100")

    with pytest.raises(Conflict):
        services.open_shift(register=register, cashier_id=None, opening_float="100")


def test_end_of_day_adds_z_reports_when_store_closes(register, org, frozen_now):
    from omniretail.core import clock

    shift = services.open_shift(register=register, cashier_id=None, opening_float="100")
    _sale(shift, "30.00", "0")
    services.close_shift(shift_id=shift.pk, counted_cash="131.00")

    day = reports.end_of_day(org["stores"]["S1"].pk, clock.today())

    assert day["cash_sales"] == "30.00"
    assert day["variance"] == "1.00"
    assert len(day["z_reports"]) == 1
