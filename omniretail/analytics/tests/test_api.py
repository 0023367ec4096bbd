"""GET /api/v1/analytics/...: metric series for allowed slices, typed 4xx for bad input,
404 for slices outside the caller's scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniretail.analytics import extract

pytestmark = pytest.mark.django_db

PERIOD = "start=2026-11-01&end=2026-11-23"


@pytest.fixture
def sales(org, make_sku, sell, member, analytics_dir):
    beer = make_sku("BEER", price="6.50", stock={"S1": 50, "S3": 50})
    sell((beer, 2), store="S1", member_id=member.pk)
    sell((beer, 4), store="S3", channel="online")
    extract.run_extract()
    return beer


def test_series_by_store_returns_each_store_and_the_comparisons(org, sales, make_user, api_as):
    api = api_as(make_user("analyst"))

    response = api.get(f"analytics/series?metric=gmv&by=store&{PERIOD}")

    body = response.json()
    assert response.status_code == 200, body
    values = {p["key"]: Decimal(p["value"]) for p in body["points"]}
    assert values == {
        str(org["stores"]["S3"].pk): Decimal("26.00"),
        str(org["stores"]["S1"].pk): Decimal("13.00"),
    }
    assert body["data_as_of"] is not None
    assert all(p["previous"] is None for p in body["points"])


def test_series_total_with_filters_matches_the_orders(org, sales, make_user, api_as):
    api = api_as(make_user("analyst"))

    online = api.get(f"analytics/series?metric=transactions&channel=online&{PERIOD}").json()
    by_hour = api.get(f"analytics/series?metric=units&by=hour&{PERIOD}").json()

    assert Decimal(online["points"][0]["value"]) == 1
    assert sum(Decimal(p["value"]) for p in by_hour["points"]) == 6


def test_kpis_for_a_store_manager_cover_only_their_store(org, sales, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))

    body = api.get(f"analytics/kpis?{PERIOD}").json()

    gmv = next(k for k in body["kpis"] if k["code"] == "gmv")
    assert Decimal(gmv["value"]) == Decimal("13.00")


@pytest.mark.parametrize(
    "query, status, code",
    [
        ("metric=nope", 422, "analytics_unknown_metric"),
        ("metric=gmv&by=colour", 422, "analytics_unknown_dimension"),
        ("metric=stock_value&by=hour", 422, "analytics_metric_not_sliceable"),
        ("metric=gmv&start=2026-11-23&end=2026-11-01", 422, "analytics_reversed_range"),
        ("metric=gmv&start=2000-01-01&end=2026-11-01", 422, "analytics_range_too_long"),
        ("metric=gmv&channel=pigeon", 422, "analytics_unknown_filter"),
    ],
)
def test_bad_input_answers_a_typed_4xx(org, sales, make_user, api_as, query, status, code):
    api = api_as(make_user("analyst"))

    response = api.get(f"analytics/series?{query}")

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code


def test_out_of_scope_store_or_region_answers_404(org, sales, make_user, api_as):
    api = api_as(make_user("store_manager", store="S1"))

    store = api.get(f"analytics/series?metric=gmv&store_id={org['stores']['S3'].pk}")
    region = api.get(f"analytics/kpis?region_id={org['south'].pk}")
    huge = api.get("analytics/kpis?store_id=99999999999999999999")

    assert store.status_code == 404
    assert region.status_code == 404
    assert huge.status_code in (404, 422)


def test_metric_catalog_lists_sliceable_dimensions(org, make_user, api_as, analytics_dir):
    body = api_as(make_user("marketer")).get("analytics/metrics").json()

    stock = next(m for m in body if m["code"] == "stock_out_rate")
    assert "store" in stock["dimensions"] and "hour" not in stock["dimensions"]


def test_basket_rules_and_rfm_segments_are_served(org, sales, make_user, api_as):
    api = api_as(make_user("analyst"))

    rules = api.get(f"analytics/basket/rules?{PERIOD}&min_support=0.1&min_confidence=0.1")
    bad = api.get(f"analytics/basket/rules?{PERIOD}&min_support=0")
    rfm = api.get("analytics/segments/rfm")

    assert rules.status_code == 200 and rules.json()["transactions"] == 2
    assert bad.status_code == 422 and bad.json()["code"] == "analytics_bad_threshold"
    assert sum(s["members"] for s in rfm.json()) == 1


def test_report_subscription_needs_manage_and_valid_recipients(
    org, make_user, api_as, analytics_dir
):
    analyst = api_as(make_user("analyst"))
    manager = api_as(make_user("store_manager", store="S1"))
    body = {
        "report": "sales",
        "format": "pdf",
        "frequency": "daily",
        "recipients": ["hq@example.com"],
    }

    ok = analyst.post("analytics/report-subscriptions", body)
    bad = analyst.post("analytics/report-subscriptions", {**body, "recipients": ["nope"]})
    denied = manager.post("analytics/report-subscriptions", body)

    assert ok.status_code == 200, ok.json()
    assert bad.status_code == 422
    assert denied.status_code == 403
