from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from omniretail.payments.models import Payment
from omniretail.payments.providers.base import SettlementRow
from omniretail.payments.reconcile import provider_settlement, reconcile
from omniretail.payments.services import TenderIn, take_payment

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 23)


@pytest.fixture
def two_payments(order, frozen_now):
    take_payment(
        order_id=order.pk,
        tenders=[TenderIn("wechat", D("60"), "1300001"), TenderIn("alipay", D("40"), "2800001")],
        reference="rc1",
    )
    return list(Payment.objects.order_by("pk"))


def test_reconcile_is_clean_when_the_sandbox_settlement_matches(two_payments):
    report = reconcile("sandbox", DAY, provider_settlement("sandbox", DAY))
    assert report.clean and len(report.matched) == 2
    assert report.fees == D("0.60")


def test_reconcile_finds_a_planted_mismatch_when_the_file_differs(two_payments):
    rows = provider_settlement("sandbox", DAY)
    planted = [
        SettlementRow(rows[0].txn_id, rows[0].amount - D("0.01"), rows[0].fee),
        SettlementRow("SBXUNKNOWN", D("5.00"), D("0.03")),
    ]
    report = reconcile("sandbox", DAY, planted)
    assert [m.txn_id for m in report.mismatches] == [rows[0].txn_id]
    assert report.missing_ours == ["SBXUNKNOWN"]
    assert report.missing_theirs == [rows[1].txn_id]
    assert not report.clean


def test_reconcile_ignores_payments_when_captured_on_another_day(two_payments):
    assert reconcile("sandbox", DAY + dt.timedelta(days=1), []).clean


def test_command_prints_the_report_when_run(two_payments, capsys):
    call_command("reconcile-payments", "--provider", "sandbox", "--day", DAY.isoformat())
    out = capsys.readouterr().out
    assert "matched 2" in out and "clean" in out
