"""Alert rules on metrics, evaluated by a scheduled job; each raised alert is a row (shown in
the UI) and an ``analytics.alert_raised`` event (for webhooks and other domains).

Every rule reads the metrics layer, so an alert says exactly what the dashboards say. Raising
is idempotent: one alert per rule, store and business day (a unique key)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.core import clock, events
from omniretail.core.models import Store

from . import metrics
from .models import AlertKind, MetricAlert

SALES_DROP = 0.30  # alert when a day sells 30 % under its baseline
BASELINE_WEEKS = 4  # baseline: the same weekday of the previous four weeks
MARGIN_SWING = 0.10  # ten points away from the trailing 28-day margin rate
STOCK_OUT_RATE = 0.10
SLA_TARGET = 0.90


@dataclass
class Finding:
    kind: str
    store_id: int | None
    brand_id: int
    day: dt.date
    metric: str
    value: float | None
    baseline: float | None
    message: str


def _stores() -> list[dict[str, Any]]:
    return list(Store.objects.filter(is_active=True).values("id", "brand_id", "code"))


def _per_store(codes: list[str], start: dt.date, end: dt.date, ids: frozenset[int]) -> dict:
    return metrics.evaluate(codes, metrics.Slice(start, end, ids), "store")


def evaluate_rules(day: dt.date) -> list[Finding]:
    """What the rules find for one business day (nothing is written)."""
    stores = _stores()
    ids = frozenset(s["id"] for s in stores)
    found: list[Finding] = []
    today = _per_store(
        ["gmv", "gross_margin_rate", "sla_attainment", "transactions"], day, day, ids
    )
    baseline: dict[int, list[float]] = {}
    for week in range(1, BASELINE_WEEKS + 1):
        past = day - dt.timedelta(days=7 * week)
        for sid, v in _per_store(["gmv"], past, past, ids).items():
            baseline.setdefault(sid, []).append(float(v["gmv"] or 0))
    trailing = _per_store(
        ["gross_margin_rate"], day - dt.timedelta(days=28), day - dt.timedelta(days=1), ids
    )
    stock = _per_store(["stock_out_rate"], day, day, ids)
    for s in stores:
        sid = s["id"]
        now = today.get(sid, {})
        base_values = [x for x in baseline.get(sid, []) if x > 0]
        if len(base_values) >= 2:
            base = sum(base_values) / len(base_values)
            value = float(now.get("gmv") or 0)
            if value < base * (1 - SALES_DROP):
                found.append(
                    Finding(
                        AlertKind.SALES_DROP,
                        sid,
                        s["brand_id"],
                        day,
                        "gmv",
                        value,
                        round(base, 2),
                        _(
                            "%(store)s sold ¥%(value).2f, %(pct)d%% under its baseline of ¥%(base).2f"
                        )
                        % {
                            "store": s["code"],
                            "value": value,
                            "pct": round((1 - value / base) * 100),
                            "base": base,
                        },
                    )
                )
        rate, usual = now.get("gross_margin_rate"), trailing.get(sid, {}).get("gross_margin_rate")
        if rate is not None and usual is not None and abs(rate - usual) > MARGIN_SWING:
            found.append(
                Finding(
                    AlertKind.MARGIN_ANOMALY,
                    sid,
                    s["brand_id"],
                    day,
                    "gross_margin_rate",
                    rate,
                    usual,
                    _("%(store)s gross margin %(rate).1f%% against %(usual).1f%% usually")
                    % {"store": s["code"], "rate": rate * 100, "usual": usual * 100},
                )
            )
        out = stock.get(sid, {}).get("stock_out_rate")
        if out is not None and out > STOCK_OUT_RATE:
            found.append(
                Finding(
                    AlertKind.STOCK_OUT,
                    sid,
                    s["brand_id"],
                    day,
                    "stock_out_rate",
                    out,
                    STOCK_OUT_RATE,
                    _("%(store)s: %(pct).1f%% of stocked SKUs are out of stock")
                    % {"store": s["code"], "pct": out * 100},
                )
            )
        sla = now.get("sla_attainment")
        if sla is not None and sla < SLA_TARGET:
            found.append(
                Finding(
                    AlertKind.SLA_MISS,
                    sid,
                    s["brand_id"],
                    day,
                    "sla_attainment",
                    sla,
                    SLA_TARGET,
                    _("%(store)s answered %(pct).0f%% of online orders within 30 minutes")
                    % {"store": s["code"], "pct": sla * 100},
                )
            )
    return found


def raise_alert(finding: Finding) -> MetricAlert | None:
    """Record the alert and publish its event in one transaction; None when already raised."""
    key = f"{finding.kind}:{finding.brand_id}:{finding.store_id or '-'}:{finding.day.isoformat()}"
    if MetricAlert.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            alert = MetricAlert.objects.create(
                brand_id=finding.brand_id,
                store_id=finding.store_id,
                kind=finding.kind,
                key=key,
                day=finding.day,
                metric=finding.metric,
                value=finding.value,
                baseline=finding.baseline,
                message=finding.message[:300],
                created_at=clock.now(),
            )
            events.publish(
                "analytics.alert_raised",
                {
                    "alert_id": alert.pk,
                    "kind": alert.kind,
                    "store_id": alert.store_id,
                    "day": alert.day.isoformat(),
                    "metric": alert.metric,
                    "value": alert.value,
                    "baseline": alert.baseline,
                    "message": alert.message,
                },
                aggregate_type="analytics.alert",
                aggregate_id=alert.pk,
                store_id=alert.store_id,
            )
    except IntegrityError:  # raised concurrently by another worker
        return None
    return alert


def run_rules(day: dt.date | None = None) -> list[MetricAlert]:
    day = day or clock.today()
    raised = [raise_alert(f) for f in evaluate_rules(day)]
    return [a for a in raised if a is not None]


def acknowledge(alert_id: int, store_ids: frozenset[int], brand_wide: bool) -> MetricAlert:
    from omniretail.core.errors import NotFound

    from .errors import AnalyticsError

    alert = MetricAlert.objects.filter(pk=alert_id).first() if 0 < alert_id < 2**62 else None
    if alert is None or not (
        (alert.store_id is None and brand_wide) or alert.store_id in store_ids
    ):
        raise NotFound(_("alert"), code=AnalyticsError.ALERT_NOT_FOUND)
    if alert.acknowledged_at is None:
        with transaction.atomic():
            MetricAlert.objects.filter(pk=alert.pk).update(acknowledged_at=clock.now())
        alert.refresh_from_db()
    return alert
