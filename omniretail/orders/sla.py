"""The fulfilment promise: minutes from payment to ready for pickup / dispatched.

``due_at`` starts the clock when an order is paid (``state.transition`` calls it); reaching
ready, out for delivery, shipped or partially fulfilled stops it (``fulfilled_at``). A periodic
job flags open orders past their promise once each: an ``sla_overdue`` timeline entry and an
``orders.sla_overdue`` event. The report counts on-time and late orders per store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import clock, events
from omniretail.core.errors import ValidationFailed
from omniretail.core.models import Store

from . import state
from .errors import OrderError
from .models import CLOSED_STATUSES, FulfilmentMode, Order, SlaPolicy


def default_minutes() -> int:
    return int(getattr(settings, "ORDERS_SLA_MINUTES", 30))


def minutes_for(store_id: int, mode: str) -> int:
    row = SlaPolicy.objects.filter(store_id=store_id, fulfilment_mode=mode).first()
    return row.minutes if row else default_minutes()


def due_at(order: Order, paid_at: dt.datetime) -> dt.datetime | None:
    """Till carry-outs have no promise (the goods leave with the customer)."""
    if order.fulfilment_mode == FulfilmentMode.POS_CARRY_OUT:
        return None
    return paid_at + dt.timedelta(minutes=minutes_for(order.store_id, order.fulfilment_mode))


@transaction.atomic
def set_policy(store: Store, mode: str, minutes: int) -> SlaPolicy:
    if mode not in FulfilmentMode.values or mode == FulfilmentMode.POS_CARRY_OUT:
        raise ValidationFailed(OrderError.INVALID_FULFILMENT, _("Unknown fulfilment mode."))
    if not 1 <= minutes <= 7 * 24 * 60:
        raise ValidationFailed(
            OrderError.INVALID_LINE, _("A promise is between 1 minute and 7 days.")
        )
    row, _created = SlaPolicy.objects.update_or_create(
        store=store, fulfilment_mode=mode, defaults={"minutes": minutes}
    )
    return row


def overdue(store_ids: frozenset[int] | set[int] | None = None, *, limit: int = 200) -> list[Order]:
    """Open orders past their promise and not yet ready or dispatched, most overdue first."""
    qs = Order.objects.select_related("store").filter(
        sla_due_at__lt=clock.now(), fulfilled_at__isnull=True
    )
    qs = qs.exclude(status__in=CLOSED_STATUSES)
    if store_ids is not None:
        qs = qs.filter(store_id__in=store_ids)
    return list(qs.order_by("sla_due_at", "pk")[:limit])


def raise_overdue_alerts(limit: int = 500) -> int:
    """Flag each newly overdue order once (timeline entry + outbox event). Idempotent: the
    conditional update on ``sla_alerted_at`` lets only one run flag an order."""
    now = clock.now()
    due = list(
        Order.objects.filter(
            sla_due_at__lt=now, fulfilled_at__isnull=True, sla_alerted_at__isnull=True
        )
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("sla_due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    raised = 0
    for pk in due:
        with transaction.atomic():
            if not Order.objects.filter(pk=pk, sla_alerted_at__isnull=True).update(
                sla_alerted_at=now
            ):
                continue
            order = Order.objects.get(pk=pk)
            late = int((now - order.sla_due_at).total_seconds() // 60) if order.sla_due_at else 0
            state.record_event(
                order,
                "sla_overdue",
                note=_("Fulfilment promise missed"),
                data={"due_at": order.sla_due_at.isoformat() if order.sla_due_at else ""},
            )
            events.publish(
                "orders.sla_overdue",
                {
                    "order_id": order.pk,
                    "number": order.number,
                    "status": order.status,
                    "minutes_late": late,
                },
                aggregate_type="orders.order",
                aggregate_id=order.pk,
                store_id=order.store_id,
            )
            raised += 1
    return raised


@dataclass
class SlaRow:
    store_id: int
    store_code: str
    store_name: str
    promised: int
    on_time: int
    late: int
    open_overdue: int
    median_minutes: float | None
    p90_minutes: float | None

    @property
    def on_time_rate(self) -> float | None:
        done = self.on_time + self.late
        return round(self.on_time / done, 4) if done else None


def _pct(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 1)


def report(store_ids: frozenset[int] | set[int], start: dt.date, end: dt.date) -> list[SlaRow]:
    """Per store, orders paid in [start, end] (business days): fulfilled on time or late,
    still open past the promise, and the median and 90th-percentile minutes to fulfil."""
    lo, _hi = clock.business_day_bounds(start)
    _lo, hi = clock.business_day_bounds(end)
    now = clock.now()
    rows = (
        Order.objects.filter(
            store_id__in=store_ids, paid_at__gte=lo, paid_at__lt=hi, sla_due_at__isnull=False
        )
        .values_list("store_id", "paid_at", "sla_due_at", "fulfilled_at", "status")
        .order_by("store_id", "pk")
    )
    stats: dict[int, dict] = {}
    for store_id, paid_at, due, fulfilled_at, status in rows.iterator(chunk_size=2000):
        s = stats.setdefault(
            store_id, {"promised": 0, "on_time": 0, "late": 0, "open": 0, "minutes": []}
        )
        s["promised"] += 1
        if fulfilled_at is not None:
            s["minutes"].append((fulfilled_at - paid_at).total_seconds() / 60)
            s["on_time" if fulfilled_at <= due else "late"] += 1
        elif status not in CLOSED_STATUSES and due < now:
            s["open"] += 1
    stores = {s.pk: s for s in Store.objects.filter(pk__in=store_ids).order_by("code")}
    out = []
    for store_id, store in stores.items():
        s = stats.get(store_id, {"promised": 0, "on_time": 0, "late": 0, "open": 0, "minutes": []})
        out.append(
            SlaRow(
                store_id,
                store.code,
                store.name,
                s["promised"],
                s["on_time"],
                s["late"],
                s["open"],
                _pct(s["minutes"], 50),
                _pct(s["minutes"], 90),
            )
        )
    return out
