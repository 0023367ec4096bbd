"""Alert rules on metrics (raised once, shown and published as events), data-quality checks
that raise an alert on failure, and scheduled reports by email."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core import mail

from omniretail.analytics import alerts, extract, metrics, quality, reports
from omniretail.analytics.models import MetricAlert
from omniretail.core import clock
from omniretail.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_sales_drop_against_the_weekday_baseline_raises_one_alert_and_an_event(
    org, make_sku, sell, frozen_now, analytics_dir
):
    today = clock.today()
    frozen_now.move_to(dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC))
    beer = make_sku("BEER", price="10.00", stock={"S1": 100})
    for weeks in (3, 2, 1):
        frozen_now.move_to(
            dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC) - dt.timedelta(weeks=weeks)
        )
        sell((beer, 5))
    frozen_now.move_to(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC))
    sell((beer, 1))
    extract.run_extract()

    first = alerts.run_rules(today)
    again = alerts.run_rules(today)

    drop = [a for a in first if a.kind == "sales_drop"]
    assert len(drop) == 1 and drop[0].store_id == org["stores"]["S1"].pk
    assert drop[0].value == 10.0 and drop[0].baseline == 50.0
    assert again == []
    assert OutboxEvent.objects.filter(topic="analytics.alert_raised").count() == len(first)


def test_sla_miss_is_raised_for_unanswered_online_orders(org, make_sku, sell, analytics_dir):
    beer = make_sku("BEER", price="10.00", stock={"S2": 10})
    sell((beer, 1), store="S2", channel="online")
    extract.run_extract()

    raised = alerts.run_rules(clock.today())

    assert [a.kind for a in raised if a.store_id == org["stores"]["S2"].pk] == ["sla_miss"]


def test_quality_checks_pass_on_a_fresh_extract_and_repair_a_stale_one(
    org, make_sku, sell, analytics_dir
):
    beer = make_sku("BEER", price="10.00", stock={"S1": 10})
    sell((beer, 1))
    extract.run_extract()
    sell((beer, 2))  # not extracted yet: the check rebuilds the day before judging

    checks = quality.run_checks(days=2)

    assert all(c.ok for c in checks)
    assert (
        metrics.totals(
            ["units"],
            metrics.Slice(
                clock.today(), clock.today(), frozenset(org["stores"][c].pk for c in org["stores"])
            ),
        )["units"]
        == 3
    )
    assert not MetricAlert.objects.exists()


def test_a_failing_quality_check_raises_a_data_quality_alert(org, make_sku, sell, analytics_dir):
    beer = make_sku("BEER", price="10.00", stock={"S1": 10})
    sell((beer, 1))
    extract.run_extract()
    day = clock.today()
    part = analytics_dir / "sales" / f"day={day.isoformat()}" / "part.parquet"
    table = pq.read_table(part)
    pq.write_table(pa.concat_tables([table, table]), part)  # a duplicated chunk

    checks = quality.run_checks(days=1, repair=False)

    assert {c.name for c in checks if not c.ok} == {"gmv"}
    alert = MetricAlert.objects.get(kind="data_quality")
    assert alert.store_id is None and "gmv" in alert.message


def test_scheduled_report_is_emailed_once_a_day_with_its_attachment(
    org, make_sku, sell, analytics_dir
):
    beer = make_sku("BEER", price="10.00", stock={"S1": 10})
    sell((beer, 1))
    extract.run_extract()
    reports.subscribe(
        brand_id=org["brand"].pk,
        store_id=None,
        report="sales",
        fmt="xlsx",
        frequency="daily",
        recipients=["hq@example.com"],
    )
    tomorrow = clock.today() + dt.timedelta(days=1)

    sent = reports.send_due_reports(tomorrow)
    again = reports.send_due_reports(tomorrow)

    assert (sent, again) == (1, 0)
    message = mail.outbox[0]
    assert message.to == ["hq@example.com"]
    name, content, _mimetype = message.attachments[0]
    assert name.endswith(".xlsx") and content[:2] == b"PK"
