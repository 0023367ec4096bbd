"""RFM segments (used by promotions' targeting), ABC/XYZ classes and cohort retention."""

from __future__ import annotations

import datetime as dt

import pytest

from omniretail.analytics import extract, segments
from omniretail.core import clock
from omniretail.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_scores_are_quintiles_and_segments_follow_the_rules():
    assert segments._scores([1, 2, 3, 4, 5]) == [1, 2, 3, 4, 5]
    assert segments._scores([1, 2, 3, 4, 5], higher_is_better=False) == [5, 4, 3, 2, 1]
    assert segments.segment_for(5, 5, 5, frequency=9, recency_days=2) == "champions"
    assert segments.segment_for(5, 1, 1, frequency=1, recency_days=3) == "new"
    assert segments.segment_for(1, 4, 4, frequency=6, recency_days=200) == "at_risk"
    assert segments.segment_for(1, 1, 1, frequency=1, recency_days=300) == "hibernating"


def test_member_ids_in_rfm_segment_finds_recent_first_time_buyers(
    org, make_sku, sell, member, analytics_dir
):
    beer = make_sku("BEER", price="6.50", stock={"S1": 50})
    sell((beer, 1), member_id=member.pk)
    extract.run_extract()

    assert segments.member_ids_in_rfm_segment(org["brand"].pk, "new") == {member.pk}
    assert segments.member_ids_in_rfm_segment(org["brand"].pk, "champions") == set()


def test_unknown_segment_is_refused_with_the_known_codes(org, analytics_dir):
    with pytest.raises(ValidationFailed) as exc:
        segments.member_ids_in_rfm_segment(org["brand"].pk, "whales")

    assert exc.value.details["known"] == list(segments.SEGMENT_CODES)


def test_abc_classes_split_revenue_and_cohorts_count_first_buyers(
    org, make_sku, sell, member, analytics_dir
):
    big = make_sku("BIG", price="100.00", stock={"S1": 50})
    small = make_sku("SMALL", price="1.00", stock={"S1": 50})
    sell((big, 1), (small, 1), member_id=member.pk)
    extract.run_extract()
    today = clock.today()

    rows = segments.abc_xyz(org["stores"]["S1"].pk, today - dt.timedelta(days=27), today)
    cohort = segments.cohorts(org["brand"].pk, frozenset({org["stores"]["S1"].pk}), months=2)

    assert [(r.sku_id, r.abc) for r in rows] == [(big.pk, "A"), (small.pk, "C")]
    assert all(r.xyz == "Z" for r in rows)  # one sale in four weeks: erratic
    assert cohort[-1]["members"] == 1 and cohort[-1]["retention"] == [1.0]
