from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.members import points, tiers
from omniretail.members.errors import MemberError
from omniretail.members.invariants import points_balance_equals_ledger
from omniretail.members.models import PointsEntry, PointsMultiplier

pytestmark = pytest.mark.django_db


def test_earn_gives_one_point_per_yuan_when_member_is_regular(member):
    entry = points.earn_points_for_sale(member, "123.45", "S1-1")
    assert entry.points == 123
    member.refresh_from_db()
    assert member.points_balance == 123
    assert entry.expires_on == dt.date(2027, 12, 31)


def test_earn_is_idempotent_when_sale_reference_is_retried(member):
    first = points.earn_points_for_sale(member, "100", "S1-1")
    again = points.earn_points_for_sale(member, "100", "S1-1")
    assert first.pk == again.pk
    member.refresh_from_db()
    assert member.points_balance == 100
    with pytest.raises(Conflict):
        points.earn_points_for_sale(member, "200", "S1-1")


def test_earn_applies_sku_multiplier_when_lines_are_given(member, brand):
    PointsMultiplier.objects.create(brand=brand, sku_id=7, multiplier_pct=300)
    entry = points.earn_points_for_sale(
        member,
        "30.00",
        "S1-1",
        lines=[points.SaleLine("10.00", sku_id=7), points.SaleLine("20.00", sku_id=8)],
    )
    assert entry.points == 50


def test_redeem_is_refused_when_points_exceed_balance(member):
    points.earn_points_for_sale(member, "10", "S1-1")
    with pytest.raises(ValidationFailed) as exc:
        points.redeem_points(member, 11, "R-1")
    assert exc.value.code == MemberError.INSUFFICIENT_POINTS


def test_redeem_is_refused_when_points_have_expired(member, frozen_now):
    points.earn_points_for_sale(member, "10", "S1-1")
    frozen_now.move_to(dt.datetime(2028, 1, 2, 2, 0, tzinfo=dt.UTC))
    with pytest.raises(ValidationFailed) as exc:
        points.redeem_points(member, 5, "R-1")
    assert exc.value.code == MemberError.POINTS_EXPIRED


def test_expiry_takes_exactly_the_unspent_old_lot_when_job_runs(member, frozen_now):
    points.earn_points_for_sale(member, "100", "S1-1")  # 2026 lot, expires 2027-12-31
    frozen_now.move_to(dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC))
    points.earn_points_for_sale(member, "50", "S1-2")  # 2027 lot, expires 2028-12-31
    points.redeem_points(member, 30, "R-1")  # FIFO: from the 2026 lot
    frozen_now.move_to(dt.datetime(2027, 12, 31, 2, 0, tzinfo=dt.UTC))
    assert points.expire_due_points() == 0
    frozen_now.move_to(dt.datetime(2028, 1, 1, 2, 0, tzinfo=dt.UTC))
    assert points.expire_due_points() == 70
    member.refresh_from_db()
    assert member.points_balance == 50


def test_return_reverses_points_proportionally_when_sale_is_returned_in_parts(member):
    points.earn_points_for_sale(member, "100", "S1-1")
    points.reverse_points_for_return(member, "S1-1", "RET-1", "33.33")
    points.reverse_points_for_return(member, "S1-1", "RET-1", "33.33")  # retried
    points.reverse_points_for_return(member, "S1-1", "RET-2", "66.67")
    member.refresh_from_db()
    assert member.points_balance == 0
    with pytest.raises(ValidationFailed) as exc:
        points.reverse_points_for_return(member, "S1-1", "RET-3", "0.01")
    assert exc.value.code == MemberError.RETURN_EXCEEDS_SALE


def test_tier_upgrades_at_once_and_downgrades_only_at_review_when_spend_changes(member, frozen_now):
    points.earn_points_for_sale(member, "2500", "S1-1")
    member.refresh_from_db()
    assert member.tier.code == "silver"
    assert member.tier_review_on == dt.date(2027, 11, 23)
    points.reverse_points_for_return(member, "S1-1", "RET-1", "2500")
    member.refresh_from_db()
    assert member.tier.code == "silver"
    frozen_now.move_to(dt.datetime(2027, 11, 24, 2, 0, tzinfo=dt.UTC))
    assert tiers.review_due_tiers() == 1
    member.refresh_from_db()
    assert member.tier.code == "regular"


OPS = st.lists(
    st.tuples(
        st.sampled_from(["earn", "redeem", "expire", "reverse", "adjust"]),
        st.integers(min_value=0, max_value=500),
    ),
    max_size=12,
)


@given(ops=OPS)
def test_points_balance_equals_ledger_and_never_negative_when_any_sequence_runs(member, ops):
    with transaction.atomic():
        sales: list[str] = []
        for i, (op, n) in enumerate(ops):
            try:
                if op == "earn":
                    points.earn_points_for_sale(member, str(n), f"S-{i}")
                    sales.append(f"S-{i}")
                elif op == "redeem":
                    points.redeem_points(member, max(n, 1), f"R-{i}")
                elif op == "expire":
                    points.expire_due_points(dt.date(2030, 1, 1) if n % 2 else None)
                elif op == "reverse" and sales:
                    points.reverse_points_for_return(member, sales[-1], f"X-{i}", str(n % 50))
                elif op == "adjust":
                    points.adjust_points(member, n - 250 or 1, "test")
            except ValidationFailed:
                pass
            member.refresh_from_db()
            assert member.points_balance >= 0
            assert list(points_balance_equals_ledger()) == []
            total = sum(PointsEntry.objects.filter(member=member).values_list("points", flat=True))
            assert total == member.points_balance
        transaction.set_rollback(True)
