"""Batch accrual writes exactly what the one-sale service writes, and is idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from omniretail.core.errors import Conflict
from omniretail.members.identity import register_member
from omniretail.members.models import Member, PointsEntry
from omniretail.members.points import BatchSale, earn_points_batch, earn_points_for_sale

pytestmark = pytest.mark.django_db


def _ledger(member: Member) -> list[tuple[int, int, str]]:
    return list(
        PointsEntry.objects.filter(member=member)
        .order_by("pk")
        .values_list("points", "balance_after", "reference")
    )


def test_batch_earns_what_the_single_service_earns_when_sales_are_the_same(org, frozen_now):
    a = register_member(org["brand"], "13800000001")
    b = register_member(org["brand"], "13800000002")
    sales = [
        BatchSale(a.pk, "120.50", "S-1"),
        BatchSale(b.pk, Decimal("9.99"), "S-2"),
        BatchSale(a.pk, "3000", "S-3"),  # crosses the silver threshold: upgrade at once
    ]
    result = earn_points_batch(sales, chunk=2)
    assert (result.earned, result.replayed, result.points) == (3, 0, 120 + 9 + 3000)
    assert _ledger(a) == [(120, 120, "S-1"), (3000, 3120, "S-3")]
    a.refresh_from_db()
    assert a.points_balance == 3120 and a.tier.code == "silver"

    c = register_member(org["brand"], "13800000003")
    single = [earn_points_for_sale(c, s.net_amount, f"X{s.reference}") for s in sales[:1]]
    assert single[0].points == 120


def test_batch_changes_nothing_when_run_again(org, frozen_now):
    a = register_member(org["brand"], "13800000001")
    sales = [BatchSale(a.pk, "50", f"R-{i}") for i in range(5)]
    earn_points_batch(sales)
    again = earn_points_batch(sales)
    assert (again.earned, again.replayed) == (0, 5)
    a.refresh_from_db()
    total = PointsEntry.objects.filter(member=a).aggregate(s=Sum("points"))["s"]
    assert a.points_balance == total == 250


def test_batch_refuses_a_reference_reused_with_another_amount_and_writes_nothing(org, frozen_now):
    a = register_member(org["brand"], "13800000001")
    earn_points_for_sale(a, "10", "DUP")
    with pytest.raises(Conflict):
        earn_points_batch([BatchSale(a.pk, "5", "NEW"), BatchSale(a.pk, "99", "DUP")])
    assert not PointsEntry.objects.filter(reference="NEW").exists()


def test_batch_skips_members_that_are_not_active(org, frozen_now):
    from omniretail.members.privacy import anonymise_member

    a = register_member(org["brand"], "13800000001")
    anonymise_member(a)
    result = earn_points_batch([BatchSale(a.pk, "10", "GONE"), BatchSale(10**9, "10", "NOBODY")])
    assert result.skipped == ["GONE", "NOBODY"] and result.earned == 0


def test_batch_keeps_last_activity_readable_when_written_in_bulk(org, frozen_now):
    from omniretail.core import clock

    a = register_member(org["brand"], "13800000001")
    earn_points_batch([BatchSale(a.pk, "10", "ACT-1")])
    fresh = Member.objects.get(pk=a.pk)
    assert fresh.last_activity_at == clock.now()
    assert fresh.points_balance == 10
