"""Settlement-file import (CSV) and the reconciliation report page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from omniretail.core.errors import ValidationFailed
from omniretail.payments import settlement
from omniretail.payments.models import Payment, SettlementLine
from omniretail.payments.services import TenderIn, take_payment

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 23)


@pytest.fixture
def paid(order, frozen_now):
    take_payment(
        order_id=order.pk,
        tenders=[TenderIn("wechat", D("60"), "1300001"), TenderIn("alipay", D("40"), "2800001")],
        reference="st1",
    )
    return list(Payment.objects.order_by("pk"))


def test_import_reports_matched_missing_and_mismatch_when_file_differs(paid):
    first, second = paid
    csv = (
        "txn_id,amount,fee\n"
        f"{first.provider_txn_id},60.00,0.36\n"
        f"{second.provider_txn_id},39.99,0.24\n"
        "SBXNOTOURS,5.00,0.03\n"
    )
    result = settlement.import_csv("sandbox", DAY, csv.encode())
    report = settlement.report("sandbox", DAY)

    assert result.rows == 3
    assert report.matched == [first.provider_txn_id]
    assert [m.txn_id for m in report.mismatches] == [second.provider_txn_id]
    assert report.missing_ours == ["SBXNOTOURS"] and report.fees == D("0.63")


def test_import_writes_nothing_when_a_row_is_bad(paid):
    csv = "txn_id,amount\nA1,10.00\nA2,-3\nA1,2.00\n"
    with pytest.raises(ValidationFailed) as caught:
        settlement.import_csv("sandbox", DAY, csv.encode())
    assert len(caught.value.details["errors"]) == 2
    assert not SettlementLine.objects.exists()


def test_reconciliation_page_imports_an_uploaded_file(client, make_user, paid):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_user("finance"))
    rows = "".join(f"{p.provider_txn_id},{p.amount}\n" for p in paid)
    upload = SimpleUploadedFile("s.csv", ("txn_id,amount\n" + rows).encode(), "text/csv")

    page = client.post(
        "/payments/reconciliation/", {"provider": "sandbox", "day": "2026-11-23", "file": upload}
    )

    assert page.status_code == 200
    assert page.context["report"].clean and len(page.context["report"].matched) == 2


def test_settlement_api_rejects_unknown_provider(api_as, make_user, frozen_now):
    api = api_as(make_user("finance"))
    answer = api.post(
        "/api/v1/payments/settlements/nope", {"day": "2026-11-23", "csv": "txn_id,amount\n"}
    )
    assert answer.status_code == 404
