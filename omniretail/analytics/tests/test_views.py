"""Dashboard pages: HQ → region → store → SKU drill-down with the transactional numbers, scope
(a store manager sees only their store), chart CSVs, reports in three formats, bad input."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from omniretail.analytics import extract

pytestmark = pytest.mark.django_db

PERIOD = "start=2026-11-01&end=2026-11-23"


@pytest.fixture
def sales(org, make_sku, sell, member, analytics_dir):
    beer = make_sku("BEER", price="6.50", stock={"S1": 50, "S3": 50})
    nuts = make_sku("NUTS", price="12.00", stock={"S1": 50})
    sell((beer, 2), (nuts, 1), store="S1", member_id=member.pk)
    sell((beer, 4), store="S3")
    extract.run_extract()
    return {"beer": beer, "nuts": nuts}


def _kpi(response, code):
    html = response.content.decode()
    marker = f'data-kpi="{code}" data-value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_hq_dashboard_shows_the_chain_totals_and_freshness_when_analyst(
    client, make_user, org, sales
):
    client.force_login(make_user("analyst"))

    response = client.get(f"{reverse('analytics:dashboard')}?{PERIOD}")

    assert response.status_code == 200
    assert Decimal(_kpi(response, "gmv")) == Decimal("13.00") + Decimal("12.00") + Decimal("26.00")
    assert _kpi(response, "transactions") == "2"
    assert 'data-level="hq"' in response.content.decode()
    assert 'data-testid="data-as-of"' in response.content.decode()
    assert "chart-store_ranking" in response.content.decode()


def test_drill_down_from_region_to_store_to_sku_narrows_the_numbers(client, make_user, org, sales):
    client.force_login(make_user("analyst"))
    url = reverse("analytics:dashboard")

    region = client.get(f"{url}?{PERIOD}&region={org['east'].pk}")
    store = client.get(f"{url}?{PERIOD}&store={org['stores']['S1'].pk}")
    sku = client.get(f"{url}?{PERIOD}&store={org['stores']['S1'].pk}&sku={sales['beer'].pk}")

    assert Decimal(_kpi(region, "gmv")) == Decimal("25.00")
    assert Decimal(_kpi(store, "gmv")) == Decimal("25.00")
    assert Decimal(_kpi(sku, "gmv")) == Decimal("13.00")
    assert 'data-level="sku"' in sku.content.decode()


def test_store_manager_gets_404_for_another_store_and_sees_only_their_own(
    client, make_user, org, sales
):
    client.force_login(make_user("store_manager", store="S1"))
    url = reverse("analytics:dashboard")

    own = client.get(f"{url}?{PERIOD}")
    other = client.get(f"{url}?{PERIOD}&store={org['stores']['S3'].pk}")
    other_region = client.get(f"{url}?{PERIOD}&region={org['south'].pk}")

    assert Decimal(_kpi(own, "gmv")) == Decimal("25.00")
    assert other.status_code == 404
    assert other_region.status_code == 404


def test_chart_data_downloads_as_csv_with_the_same_numbers(client, make_user, org, sales):
    client.force_login(make_user("analyst"))

    response = client.get(reverse("analytics:chart_csv", args=["store_ranking"]) + f"?{PERIOD}")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert [r[1] for r in rows[1:]] == ["25.00", "26.00"] or [r[1] for r in rows[1:]] == [
        "26.00",
        "25.00",
    ]


def test_reports_export_in_excel_csv_and_pdf(client, make_user, org, sales):
    client.force_login(make_user("analyst"))

    got = {
        fmt: client.get(reverse("analytics:report_download", args=["sales", fmt]) + f"?{PERIOD}")
        for fmt in ("xlsx", "csv", "pdf")
    }

    assert got["pdf"].content.startswith(b"%PDF")
    assert got["xlsx"].content.startswith(b"PK")
    text = got["csv"].content.decode("utf-8-sig")
    assert "51.00" in text  # the total row's GMV
    page = client.get(reverse("analytics:reports") + f"?{PERIOD}&report=margin")
    assert page.status_code == 200


def test_reversed_range_and_unknown_chart_answer_400(client, make_user, org, sales):
    client.force_login(make_user("analyst"))

    reversed_range = client.get(f"{reverse('analytics:dashboard')}?start=2026-11-23&end=2026-11-01")
    unknown = client.get(reverse("analytics:chart_csv", args=["nope"]) + f"?{PERIOD}")
    bad_format = client.get(reverse("analytics:report_download", args=["sales", "doc"]))

    assert reversed_range.status_code == 400
    assert b"analytics_reversed_range" in reversed_range.content
    assert unknown.status_code == 400
    assert bad_format.status_code == 400


def test_basket_segments_and_alerts_pages_render(client, make_user, org, sales):
    client.force_login(make_user("analyst"))

    for name in ("basket", "segments", "alerts", "quality"):
        response = client.get(reverse(f"analytics:{name}") + f"?{PERIOD}")
        assert response.status_code == 200, name
    store_page = client.get(reverse("analytics:segments") + f"?store={org['stores']['S1'].pk}")
    assert 'data-testid="abc"' in store_page.content.decode()


def test_cashier_without_analytics_permission_gets_404(client, make_user, org, sales):
    client.force_login(make_user("cashier", store="S1"))

    assert client.get(reverse("analytics:dashboard")).status_code == 404


def test_dashboard_speaks_chinese_and_english(client, make_user, org, sales):
    client.force_login(make_user("analyst"))
    url = f"{reverse('analytics:dashboard')}?{PERIOD}"

    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "数据截至" in zh and "门店排名" in zh and "客单价" in zh
    assert "Data as of" in en and "Store ranking" in en and "Average order value" in en
