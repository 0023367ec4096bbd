"""analytics JSON API under /api/v1/analytics/. Thin: parse, check scope, call the metrics layer.

Slices outside the caller's scope (a store or region they may not see) answer 404; unknown
metrics or dimensions, reversed or over-long date ranges answer 422 with a stable code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Store
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import alerts, basket, dashboards, extract, metrics, reports, segments
from .errors import AnalyticsError
from .labels import label_for, labels
from .models import MetricAlert
from .schemas import (
    AnalyticsAlertOut,
    AnalyticsBasketOut,
    AnalyticsKpisOut,
    AnalyticsMetricOut,
    AnalyticsSegmentOut,
    AnalyticsSeriesOut,
    AnalyticsSubscriptionIn,
    AnalyticsSubscriptionOut,
)

router = Router(tags=["analytics"])


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _slice(
    request: HttpRequest,
    start: dt.date | None,
    end: dt.date | None,
    store_id: int | None,
    region_id: int | None,
    filters: dict[str, Any] | None = None,
    channel: str | None = None,
) -> metrics.Slice:
    scope = request.scope  # type: ignore[attr-defined]
    query: dict[str, Any] = {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "store": store_id,
        "region": region_id,
        "channel": channel,
    }
    if store_id is not None and not (0 < store_id < 2**62 and store_id in scope.store_ids):
        raise NotFound(_("store"), code=AnalyticsError.STORE_NOT_FOUND)
    if region_id is not None and not (0 < region_id < 2**62 and region_id in scope.region_ids):
        raise NotFound(_("region"), code=AnalyticsError.REGION_NOT_FOUND)
    view = dashboards.resolve_view(scope, query)
    sl = view.slice
    return metrics.Slice(sl.start, sl.end, sl.store_ids, {**sl.filters, **(filters or {})})


@router.get(
    "/metrics",
    auth=access(Perm.ANALYTICS_VIEW),
    response={200: list[AnalyticsMetricOut], **READ_ERRORS},
)
def list_metrics(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for m in metrics.METRICS.values():
        tables = {metrics.MEASURES[name].source for name in m.measures}
        dims = [d for d, (_c, t, _l) in metrics.DIMENSIONS.items() if tables <= t]
        out.append(
            {
                "code": m.code,
                "label": str(m.label),
                "unit": m.unit,
                "higher_is_better": m.higher_is_better,
                "dimensions": dims,
            }
        )
    return out


@router.get(
    "/series", auth=access(Perm.ANALYTICS_VIEW), response={200: AnalyticsSeriesOut, **READ_ERRORS}
)
def metric_series(
    request: HttpRequest,
    metric: str,
    by: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store_id: int | None = None,
    region_id: int | None = None,
    channel: str | None = None,
    category_id: int | None = None,
    sku_id: int | None = None,
    member_tier: str | None = None,
    compare: bool = True,
) -> dict[str, Any]:
    """One metric for a slice, grouped by a dimension (or a single total), with the previous
    period and the same period last year."""
    m = metrics.metric(metric)
    metrics.check_dimension(by, [metric])
    for name, value in (("category_id", category_id), ("sku_id", sku_id)):
        if value is not None and not 0 < value < 2**62:
            raise ValidationFailed(
                AnalyticsError.UNKNOWN_FILTER,
                _("%(name)s is out of range.") % {"name": name},
                {"field": name},
            )
    filters: dict[str, Any] = {}
    if category_id is not None:
        filters["category_id"] = category_id
    if sku_id is not None:
        filters["sku_id"] = sku_id
    if member_tier:
        filters["member_tier"] = member_tier[:20]
    sl = _slice(request, start, end, store_id, region_id, filters, channel)
    points = metrics.series(metric, sl, by, compare)
    names = labels(by, [p.key for p in points])
    return {
        "metric": m.code,
        "unit": m.unit,
        "dimension": by,
        "start": sl.start,
        "end": sl.end,
        "data_as_of": extract.freshness(),
        "points": [
            {
                "key": None if p.key is None else str(p.key),
                "label": label_for(by, p.key, names) if by else str(m.label),
                "value": _dec(p.value),
                "previous": _dec(p.previous),
                "last_year": _dec(p.last_year),
            }
            for p in points
        ],
    }


@router.get(
    "/kpis", auth=access(Perm.ANALYTICS_VIEW), response={200: AnalyticsKpisOut, **READ_ERRORS}
)
def kpi_summary(
    request: HttpRequest,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store_id: int | None = None,
    region_id: int | None = None,
) -> dict[str, Any]:
    sl = _slice(request, start, end, store_id, region_id)
    view = dashboards.View("api", sl)
    rows = dashboards.kpis(view)
    return {
        "start": sl.start,
        "end": sl.end,
        "data_as_of": extract.freshness(),
        "kpis": [
            {
                **r,
                **{
                    k: _dec(r[k])
                    for k in ("value", "previous", "last_year", "vs_previous", "vs_last_year")
                },
            }
            for r in rows
        ],
    }


@router.get(
    "/basket/rules",
    auth=access(Perm.ANALYTICS_VIEW),
    response={200: AnalyticsBasketOut, **READ_ERRORS},
)
def basket_rules(
    request: HttpRequest,
    start: dt.date | None = None,
    end: dt.date | None = None,
    store_id: int | None = None,
    min_support: float = 0.01,
    min_confidence: float = 0.2,
    limit: int = 100,
) -> dict[str, Any]:
    """Association rules (FP-growth) over the period's sold orders; items are SKU ids."""
    basket.check_thresholds(min_support, min_confidence)
    sl = _slice(request, start, end, store_id, None)
    result = basket.mine(
        basket.store_baskets(sl.store_ids, sl.start, sl.end), min_support, min_confidence
    )
    limit = max(1, min(limit, 1000))
    return {
        "transactions": result.transactions,
        "rule_count": len(result.rules),
        "truncated": result.truncated,
        "rules": [r.as_dict() for r in result.rules[:limit]],
    }


@router.get(
    "/segments/rfm",
    auth=access(Perm.ANALYTICS_VIEW),
    response={200: list[AnalyticsSegmentOut], **READ_ERRORS},
)
def rfm_segments(request: HttpRequest) -> list[dict[str, Any]]:
    scope = request.scope  # type: ignore[attr-defined]
    brand_ids = sorted(
        set(Store.objects.filter(pk__in=scope.store_ids).values_list("brand_id", flat=True))
    )
    rows: list[segments.RfmRow] = []
    for brand_id in brand_ids:
        rows += segments.rfm(brand_id, store_ids=None if scope.brand_wide else scope.store_ids)
    return [
        {**s, "monetary": Decimal(s["monetary_fen"]) / 100} for s in segments.segment_summary(rows)
    ]


def _alerts(request: HttpRequest) -> Any:
    scope = request.scope  # type: ignore[attr-defined]
    if scope.brand_wide:
        return MetricAlert.objects.filter(brand_id__in=scope.brand_ids)
    return MetricAlert.objects.filter(store_id__in=scope.store_ids)


@router.get(
    "/alerts",
    auth=access(Perm.ANALYTICS_VIEW),
    response={200: list[AnalyticsAlertOut], **READ_ERRORS},
)
def list_alerts(request: HttpRequest, limit: int = 100) -> list[MetricAlert]:
    return list(_alerts(request).order_by("-created_at", "-pk")[: max(1, min(limit, 500))])


@router.post(
    "/alerts/{alert_id}/acknowledge",
    auth=access(Perm.ANALYTICS_VIEW),
    response={200: AnalyticsAlertOut, **WRITE_ERRORS},
)
def acknowledge_alert(request: HttpRequest, alert_id: int) -> MetricAlert:
    scope = request.scope  # type: ignore[attr-defined]
    return alerts.acknowledge(alert_id, scope.store_ids, scope.brand_wide)


@router.post(
    "/report-subscriptions",
    auth=access(Perm.ANALYTICS_MANAGE),
    response={200: AnalyticsSubscriptionOut, **WRITE_ERRORS},
)
def create_subscription(request: HttpRequest, body: AnalyticsSubscriptionIn) -> Any:
    """Schedule a report by email (daily: yesterday; weekly: last Monday–Sunday)."""
    scope = request.scope  # type: ignore[attr-defined]
    if body.store_id is not None and not (
        0 < body.store_id < 2**62 and body.store_id in scope.store_ids
    ):
        raise NotFound(_("store"), code=AnalyticsError.STORE_NOT_FOUND)
    if body.store_id is None and not scope.brand_wide:
        raise ValidationFailed(
            AnalyticsError.STORE_NOT_FOUND,
            _("Choose one of your stores for the report."),
            {"field": "store_id"},
        )
    brand_id = (
        Store.objects.values_list("brand_id", flat=True).get(pk=body.store_id)
        if body.store_id
        else min(scope.brand_ids)
    )
    return reports.subscribe(
        brand_id=brand_id,
        store_id=body.store_id,
        report=body.report,
        fmt=body.format,
        frequency=body.frequency,
        recipients=body.recipients,
        language=body.language if body.language in {"zh-hans", "en"} else "zh-hans",
    )
