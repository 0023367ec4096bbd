from __future__ import annotations

import itertools
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from omniretail.core.integrity import check_all
from omniretail.core.money import from_fen
from omniretail.payments.models import LedgerEntry, Payment
from omniretail.payments.services import TenderIn, captured_total, take_payment

pytestmark = pytest.mark.django_db
KINDS = ["cash", "card", "wechat", "alipay", "unionpay"]


@st.composite
def splits(draw, total_fen: int = 10_000):
    cuts = sorted(draw(st.sets(st.integers(1, total_fen - 1), max_size=5)))
    bounds = [0, *cuts, total_fen]
    parts = [b - a for a, b in itertools.pairwise(bounds)]
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=len(parts), max_size=len(parts)))
    return list(zip(kinds, parts, strict=True))


@given(tenders=splits())
def test_captured_sum_equals_total_and_ledger_balances_when_tenders_split_the_total(order, tenders):
    with transaction.atomic():
        result = take_payment(
            order_id=order.pk,
            tenders=[
                TenderIn(k, from_fen(f), auth_code=f"13{n:08d}1")
                for n, (k, f) in enumerate(tenders)
            ],
            reference="prop",
        )
        assert result.status == "paid", result
        assert result.paid_total == D("100.00") == captured_total(order.pk)
        assert sum(p.amount for p in Payment.objects.filter(order=order)) == D("100.00")
        assert LedgerEntry.objects.filter(order_id=order.pk).count() == len(tenders)
        assert {k: v for k, v in check_all().items() if v} == {}
        transaction.set_rollback(True)
