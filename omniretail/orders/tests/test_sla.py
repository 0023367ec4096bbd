from __future__ import annotations

import datetime as dt

import pytest

from omniretail.core import clock, events
from omniretail.core.errors import ValidationFailed
from omniretail.core.models import OutboxEvent
from omniretail.orders import pickup, services, sla
from omniretail.orders.models import Notification

pytestmark = pytest.mark.django_db


def _paid(order):
    services.mark_paid(order)
    order.refresh_from_db()
    return order


def test_clock_starts_at_payment_with_the_default_promise_when_store_has_no_policy(
    make_sku, place, frozen_now
):
    order = _paid(place((make_sku("A"), 1)))
    assert order.paid_at == clock.now()
    assert order.sla_due_at == clock.now() + dt.timedelta(minutes=30)


def test_store_policy_per_mode_sets_the_promise_when_configured(org, make_sku, place, frozen_now):
    sla.set_policy(org["stores"]["S1"], "delivery", 45)
    sku = make_sku("A")
    delivery = _paid(place((sku, 1), mode="delivery"))
    pickup_order = _paid(place((sku, 1)))
    assert delivery.sla_due_at - delivery.paid_at == dt.timedelta(minutes=45)
    assert pickup_order.sla_due_at - pickup_order.paid_at == dt.timedelta(minutes=30)


def test_policy_is_refused_when_minutes_or_mode_are_bad(org):
    with pytest.raises(ValidationFailed):
        sla.set_policy(org["stores"]["S1"], "pickup", 0)
    with pytest.raises(ValidationFailed):
        sla.set_policy(org["stores"]["S1"], "pos_carry_out", 10)


def test_overdue_alert_is_raised_once_when_promise_passes_unready(make_sku, place, frozen_now):
    order = _paid(place((make_sku("A"), 1)))
    assert sla.raise_overdue_alerts() == 0
    frozen_now.shift(dt.timedelta(minutes=31))
    assert sla.raise_overdue_alerts() == 1
    assert sla.raise_overdue_alerts() == 0
    assert order.events.filter(kind="sla_overdue").count() == 1
    assert OutboxEvent.objects.filter(topic="orders.sla_overdue").count() == 1
    assert [o.pk for o in sla.overdue()] == [order.pk]
    events.dispatch_due()
    assert Notification.objects.filter(order=order, template="sla_overdue").exists()


def test_no_alert_when_ready_before_the_promise(make_sku, place, frozen_now):
    order = _paid(place((make_sku("A"), 1)))
    services.allocate(order)
    services.start_picking(order)
    frozen_now.shift(dt.timedelta(minutes=20))
    pickup.mark_ready(order)
    frozen_now.shift(dt.timedelta(hours=2))
    assert sla.raise_overdue_alerts() == 0 and sla.overdue() == []


def test_report_counts_on_time_late_and_open_overdue_per_store(org, make_sku, place, frozen_now):
    sku = make_sku("A", stock={"S1": 10, "S2": 10})
    on_time = _paid(place((sku, 1)))
    late = _paid(place((sku, 1)))
    waiting = _paid(place((sku, 1)))
    _paid(place((sku, 1), store="S2"))
    for order in (on_time, late):
        services.allocate(order)
        services.start_picking(order)
    frozen_now.shift(dt.timedelta(minutes=10))
    pickup.mark_ready(on_time)
    frozen_now.shift(dt.timedelta(minutes=40))
    pickup.mark_ready(late)
    rows = {
        r.store_code: r
        for r in sla.report(
            {org["stores"]["S1"].pk, org["stores"]["S2"].pk}, clock.today(), clock.today()
        )
    }
    s1 = rows["S1"]
    assert (s1.promised, s1.on_time, s1.late, s1.open_overdue) == (3, 1, 1, 1)
    assert s1.median_minutes == 30.0 and s1.on_time_rate == 0.5
    assert rows["S2"].promised == 1 and waiting.fulfilled_at is None
