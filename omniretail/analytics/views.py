"""analytics pages (server-rendered, thin): dashboards with drill-down, chart CSV downloads,
reports, basket analysis, segments, alerts and data quality."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import Scope, resolve_scope
from omniretail.core import clock
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Store

from . import basket, dashboards, extract, metrics, quality, reports, segments
from .labels import labels
from .models import MetricAlert


def _echarts() -> tuple[bool, str]:
    from omniretail.web.views import ECHARTS_PATH, echarts_available

    return echarts_available(), static(ECHARTS_PATH)


def scoped(perm: Perm) -> Callable[..., Any]:
    """Login, a non-empty scope for ``perm`` (else 404), typed errors as 400 pages."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scope = resolve_scope(request.user, perm)
            if scope.empty:
                raise Http404
            try:
                return view(request, scope, *args, **kwargs)
            except NotFound as exc:
                raise Http404 from exc
            except ValidationFailed as exc:
                return render(
                    request,
                    "analytics/error.html",
                    {"error": exc, "data_as_of": extract.freshness()},
                    status=400,
                )

        return inner

    return wrap


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    available, url = _echarts()
    context.setdefault("data_as_of", extract.freshness())
    context.update({"echarts_available": available, "echarts_url": url})
    return render(request, template, context)


@scoped(Perm.ANALYTICS_VIEW)
def dashboard(request: HttpRequest, scope: Scope) -> HttpResponse:
    view = dashboards.resolve_view(scope, request.GET.dict())
    charts = [dashboards.build_chart(name, view) for name in dashboards.charts_for(view.level)]
    from urllib.parse import urlencode

    query = urlencode(view.params)
    return _page(
        request,
        "analytics/dashboard.html",
        {
            "view": view,
            "kpis": dashboards.kpis(view),
            "charts": [(c, c.echarts(), f"chart-{c.name}") for c in charts],
            "query": query,
            "regions": dashboards.regions_in_scope(scope) if view.level == "hq" else [],
            "stores": dashboards.stores_in_scope(
                scope, view.region.pk if view.level == "region" else None
            )
            if view.level in {"hq", "region"}
            else [],
            "brand_wide": scope.brand_wide,
            "channels": _channels(),
        },
    )


def _channels() -> list[tuple[str, str]]:
    from omniretail.orders.models import OrderChannel

    return [(v, str(label)) for v, label in OrderChannel.choices]


def _csv_response(columns: list[str], rows: list[list[Any]], filename: str) -> HttpResponse:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    response = HttpResponse(
        ("\ufeff" + buf.getvalue()).encode(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@scoped(Perm.ANALYTICS_VIEW)
def chart_csv(request: HttpRequest, scope: Scope, name: str) -> HttpResponse:
    view = dashboards.resolve_view(scope, request.GET.dict())
    chart = dashboards.build_chart(name, view)
    return _csv_response(
        chart.columns, chart.rows, f"{name}-{view.slice.start}-{view.slice.end}.csv"
    )


def _period(request: HttpRequest, days: int = 30) -> tuple[dt.date, dt.date]:
    view_end = request.GET.get("end") or ""
    view_start = request.GET.get("start") or ""
    today = clock.today()
    try:
        end = dt.date.fromisoformat(view_end) if view_end else today
        start = (
            dt.date.fromisoformat(view_start) if view_start else end - dt.timedelta(days=days - 1)
        )
    except ValueError:
        from .errors import AnalyticsError

        raise ValidationFailed(
            AnalyticsError.UNKNOWN_FILTER, _("Dates are written YYYY-MM-DD."), {"field": "start"}
        ) from None
    metrics.validate_range(start, end)
    return start, end


def _store_ids(request: HttpRequest, scope: Scope) -> tuple[frozenset[int], Any]:
    raw = request.GET.get("store") or ""
    if not raw:
        return scope.store_ids, None
    if not raw.isdigit() or int(raw) not in scope.store_ids:
        raise Http404
    return frozenset({int(raw)}), Store.objects.get(pk=int(raw))


@scoped(Perm.ANALYTICS_EXPORT)
def report_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    start, end = _period(request)
    ids, store = _store_ids(request, scope)
    code = request.GET.get("report") or "sales"
    reports.check_report(code)
    table = reports.build(code, metrics.Slice(start, end, ids))
    return _page(
        request,
        "analytics/reports.html",
        {
            "reports": [(c, str(r[0])) for c, r in reports.REPORTS.items()],
            "current": code,
            "table": table,
            "start": start,
            "end": end,
            "store": store,
            "stores": dashboards.stores_in_scope(scope),
            "formats": list(reports.FORMATS),
        },
    )


@scoped(Perm.ANALYTICS_EXPORT)
def report_download(request: HttpRequest, scope: Scope, code: str, fmt: str) -> HttpResponse:
    start, end = _period(request)
    ids, _store = _store_ids(request, scope)
    content, content_type, name = reports.export(code, fmt, metrics.Slice(start, end, ids))
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _float(request: HttpRequest, name: str, default: float) -> float:
    raw = request.GET.get(name) or ""
    try:
        return float(raw) if raw else default
    except ValueError:
        from .errors import AnalyticsError

        raise ValidationFailed(
            AnalyticsError.BAD_THRESHOLD,
            _("%(name)s must be a number.") % {"name": name},
            {"field": name},
        ) from None


@scoped(Perm.ANALYTICS_VIEW)
def basket_view(request: HttpRequest, scope: Scope) -> HttpResponse:
    start, end = _period(request, days=90)
    ids, store = _store_ids(request, scope)
    min_support = _float(request, "min_support", 0.01)
    min_confidence = _float(request, "min_confidence", 0.2)
    basket.check_thresholds(min_support, min_confidence)
    result = basket.mine(basket.store_baskets(ids, start, end), min_support, min_confidence)
    sku_ids = {int(i) for r in result.rules for i in (*r.antecedent, r.consequent)}
    names = {str(k): v for k, v in labels("sku", sku_ids).items()}
    rows = [
        {
            "antecedent": [names.get(i, i) for i in r.antecedent],
            "consequent": names.get(r.consequent, r.consequent),
            "support": r.support,
            "confidence": r.confidence,
            "lift": r.lift,
        }
        for r in result.rules[:200]
    ]
    if request.GET.get("format") == "csv":
        return _csv_response(
            [_("If bought"), _("Then also"), _("Support"), _("Confidence"), _("Lift")],
            [
                [
                    " + ".join(r["antecedent"]),
                    r["consequent"],
                    r["support"],
                    r["confidence"],
                    r["lift"],
                ]
                for r in rows
            ],
            f"basket-{start}-{end}.csv",
        )
    return _page(
        request,
        "analytics/basket.html",
        {
            "result": result,
            "rules": rows,
            "graph": basket.network(result.rules, names),
            "start": start,
            "end": end,
            "store": store,
            "stores": dashboards.stores_in_scope(scope),
            "min_support": min_support,
            "min_confidence": min_confidence,
        },
    )


@scoped(Perm.ANALYTICS_VIEW)
def segments_view(request: HttpRequest, scope: Scope) -> HttpResponse:
    ids, store = _store_ids(request, scope)
    brand_ids = sorted(set(Store.objects.filter(pk__in=ids).values_list("brand_id", flat=True)))
    rows: list[segments.RfmRow] = []
    cohort_rows: list[dict[str, Any]] = []
    for brand_id in brand_ids:
        rows += segments.rfm(
            brand_id, store_ids=None if scope.brand_wide and store is None else ids
        )
        cohort_rows += segments.cohorts(brand_id, ids)
    end = clock.today()
    abc = []
    if store is not None:
        abc_rows = segments.abc_xyz(store.pk, end - dt.timedelta(days=89), end)
        names = labels("sku", [r.sku_id for r in abc_rows])
        abc = [(r, names.get(r.sku_id, r.sku_id)) for r in abc_rows[:100]]
        matrix: dict[str, dict[str, int]] = {a: {x: 0 for x in "XYZ"} for a in "ABC"}
        for r in abc_rows:
            matrix[r.abc][r.xyz] += 1
    else:
        matrix = {}
    return _page(
        request,
        "analytics/segments.html",
        {
            "summary": segments.segment_summary(rows),
            "member_count": len(rows),
            "cohorts": cohort_rows,
            "abc": abc,
            "matrix": matrix,
            "store": store,
            "stores": dashboards.stores_in_scope(scope),
        },
    )


@scoped(Perm.ANALYTICS_VIEW)
def alert_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    qs = MetricAlert.objects.select_related("store").filter(store_id__in=scope.store_ids)
    if scope.brand_wide:
        qs = MetricAlert.objects.select_related("store").filter(brand_id__in=scope.brand_ids)
    return _page(
        request, "analytics/alerts.html", {"alerts": qs.order_by("-created_at", "-pk")[:200]}
    )


@scoped(Perm.ANALYTICS_MANAGE)
def quality_view(request: HttpRequest, scope: Scope) -> HttpResponse:
    checks = quality.run_checks(days=7, raise_alerts=False)
    return _page(request, "analytics/quality.html", {"checks": checks})
