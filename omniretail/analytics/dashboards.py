"""What the HQ, region, store and SKU dashboards show: KPI tiles and charts, each chart a
``Chart`` (columns + rows, so the same data renders in ECharts and downloads as CSV).

The level follows the filters: no store/region → HQ (the caller's whole scope); ``region`` →
that region's stores; ``store`` → one store; ``store`` + ``sku`` → one SKU in that store.
Regions, stores and SKUs outside the caller's scope answer 404 (``NotFound``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from omniretail.accounts.scope import Scope
from omniretail.core import clock
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Region, Store

from . import metrics
from .errors import AnalyticsError
from .labels import WEEKDAYS, label_for, labels

KPI_CODES = [
    "gmv",
    "net_sales",
    "transactions",
    "aov",
    "upt",
    "gross_margin_rate",
    "member_sales_share",
    "online_share",
    "promotion_cost_share",
    "sla_attainment",
    "stock_out_rate",
]  # sell-through (a COUNT(DISTINCT) of store × SKU pairs) lives in the inventory report
DEFAULT_DAYS = 30
TOP_N = 10


@dataclass
class View:
    level: str  # hq | region | store | sku
    slice: metrics.Slice
    region: Any = None
    store: Any = None
    sku: Any = None
    params: dict[str, str] = field(default_factory=dict)


def _int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_FILTER,
            _("%(name)s must be a number.") % {"name": name},
            {"field": name},
        ) from None
    if not 0 < number < 2**62:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_FILTER,
            _("%(name)s is out of range.") % {"name": name},
            {"field": name},
        )
    return number


def _date(value: Any, name: str, default: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_FILTER,
            _("%(name)s must be a date (YYYY-MM-DD).") % {"name": name},
            {"field": name},
        ) from None


def resolve_view(scope: Scope, query: dict[str, Any]) -> View:
    """Turn request parameters into a scoped slice; 404 for anything outside the scope."""
    today = clock.today()
    end = _date(query.get("end"), "end", today)
    start = _date(query.get("start"), "start", end - dt.timedelta(days=DEFAULT_DAYS - 1))
    metrics.validate_range(start, end)
    store_ids = scope.store_ids
    filters: dict[str, Any] = {}
    channel = query.get("channel") or ""
    if channel:
        from omniretail.orders.models import OrderChannel

        if channel not in OrderChannel.values:
            raise ValidationFailed(
                AnalyticsError.UNKNOWN_FILTER, _("Unknown channel."), {"channel": channel}
            )
        filters["channel"] = channel
    category = _int(query.get("category"), "category")
    if category:
        filters["category_id"] = category
    region_id = _int(query.get("region"), "region")
    store_id = _int(query.get("store"), "store")
    sku_id = _int(query.get("sku"), "sku")
    view = View("hq", metrics.Slice(start, end, store_ids, filters))
    params = {"start": start.isoformat(), "end": end.isoformat()}
    if channel:
        params["channel"] = channel
    if category:
        params["category"] = str(category)
    if store_id is not None:
        if store_id not in store_ids:
            raise NotFound(_("store"), code=AnalyticsError.STORE_NOT_FOUND)
        view.store = Store.objects.select_related("region").get(pk=store_id)
        view.region = view.store.region
        view.level = "store"
        view.slice = metrics.Slice(start, end, frozenset({store_id}), filters)
        params["store"] = str(store_id)
    elif region_id is not None:
        if region_id not in scope.region_ids:
            raise NotFound(_("region"), code=AnalyticsError.REGION_NOT_FOUND)
        view.region = Region.objects.get(pk=region_id)
        ids = frozenset(
            Store.objects.filter(region_id=region_id, pk__in=store_ids).values_list("pk", flat=True)
        )
        view.level = "region"
        view.slice = metrics.Slice(start, end, ids, filters)
        params["region"] = str(region_id)
    if sku_id is not None:
        from omniretail.catalog.models import Sku

        if view.store is None:
            raise ValidationFailed(
                AnalyticsError.UNKNOWN_FILTER,
                _("Choose a store to look at one SKU."),
                {"field": "sku"},
            )
        view.sku = Sku.objects.filter(pk=sku_id).first()
        if view.sku is None:
            raise NotFound(_("SKU"), code=AnalyticsError.SKU_NOT_FOUND)
        view.level = "sku"
        view.slice = metrics.Slice(start, end, view.slice.store_ids, {**filters, "sku_id": sku_id})
        params["sku"] = str(sku_id)
    view.params = params
    return view


def kpis(view: View) -> list[dict[str, Any]]:
    sl = view.slice
    now, prev, ly = (
        rows[None]
        for rows in metrics.evaluate_periods(KPI_CODES, [sl, sl.previous(), sl.last_year()])
    )
    return [
        {
            "code": code,
            "label": str(metrics.METRICS[code].label),
            "unit": metrics.METRICS[code].unit,
            "value": now[code],
            "previous": prev[code],
            "last_year": ly[code],
            "vs_previous": metrics.change(now[code], prev[code]),
            "vs_last_year": metrics.change(now[code], ly[code]),
            "good": metrics.METRICS[code].higher_is_better,
        }
        for code in KPI_CODES
    ]


@dataclass
class Chart:
    name: str
    title: str
    kind: str  # line | bar | pie | heatmap
    columns: list[str]
    rows: list[list[Any]]
    links: list[str | None] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def linked_rows(self) -> list[tuple[str | None, list[Any]]]:
        return [
            (self.links[i] if i < len(self.links) else None, row) for i, row in enumerate(self.rows)
        ]

    def echarts(self) -> dict[str, Any]:
        """The JSON island the page's script turns into an ECharts option."""
        data = {
            "type": self.kind,
            "title": self.title,
            "columns": self.columns,
            "rows": [[_plain(v) for v in row] for row in self.rows],
            "links": self.links,
        }
        data.update(self.extra)
        return data


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


CHARTS = (
    "trend",
    "heatmap",
    "category_mix",
    "channel_mix",
    "region_ranking",
    "store_ranking",
    "top_skus",
    "bottom_skus",
    "store_split",
    "promotion_results",
)


def charts_for(level: str) -> list[str]:
    return {
        "hq": [
            "trend",
            "heatmap",
            "region_ranking",
            "store_ranking",
            "category_mix",
            "channel_mix",
            "promotion_results",
            "top_skus",
            "bottom_skus",
        ],
        "region": [
            "trend",
            "heatmap",
            "store_ranking",
            "category_mix",
            "channel_mix",
            "promotion_results",
            "top_skus",
            "bottom_skus",
        ],
        "store": [
            "trend",
            "heatmap",
            "category_mix",
            "channel_mix",
            "promotion_results",
            "top_skus",
            "bottom_skus",
        ],
        "sku": ["trend", "heatmap", "channel_mix"],
    }[level]


def _drill(view: View, **params: Any) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    base = {k: v for k, v in view.params.items() if k in {"start", "end", "channel", "category"}}
    base.update({k: str(v) for k, v in params.items()})
    return f"{reverse('analytics:dashboard')}?{urlencode(base)}"


def build_chart(name: str, view: View) -> Chart:
    if name not in CHARTS:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_CHART,
            _("Unknown chart: %(name)s") % {"name": name},
            {"chart": name},
        )
    sl = view.slice
    gmv = str(metrics.METRICS["gmv"].label)
    if name == "trend":
        points = metrics.series("gmv", sl, "day")
        by_day = {p.key: p for p in points}
        rows = []
        day = sl.start
        while day <= sl.end:
            p = by_day.get(day)
            rows.append(
                [day, p.value if p else 0, p.previous if p else None, p.last_year if p else None]
            )
            day += dt.timedelta(days=1)
        return Chart(
            name,
            _("Daily GMV"),
            "line",
            [str(_("Day")), gmv, str(_("Previous period")), str(_("Same period last year"))],
            rows,
        )
    if name == "heatmap":
        data = metrics.evaluate(["transactions"], sl, ("weekday", "hour"))
        rows = [
            [str(WEEKDAYS[wd]), f"{hour:02d}", v["transactions"]]
            for (wd, hour), v in sorted(data.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0))
            if wd is not None and hour is not None
        ]
        return Chart(
            name,
            _("Transactions by hour and weekday"),
            "heatmap",
            [str(_("Weekday")), str(_("Hour")), str(metrics.METRICS["transactions"].label)],
            rows,
            extra={
                "x": [f"{h:02d}" for h in range(24)],
                "y": [str(WEEKDAYS[d]) for d in range(1, 8)],
            },
        )
    if name in {"category_mix", "channel_mix"}:
        by = "category" if name == "category_mix" else "channel"
        data = metrics.evaluate(["gmv"], sl, by)
        names = labels(by, data)
        items = sorted(data.items(), key=lambda kv: -float(kv[1]["gmv"] or 0))
        title = _("Category mix") if by == "category" else _("Channel mix")
        return Chart(
            name,
            title,
            "pie",
            [str(metrics.DIMENSIONS[by][2]), gmv],
            [[label_for(by, k, names), v["gmv"]] for k, v in items],
        )
    if name in {"region_ranking", "store_ranking"}:
        by = "region" if name == "region_ranking" else "store"
        data = metrics.evaluate(["gmv", "transactions", "aov"], sl, by)
        names = labels(by, data)
        items = sorted(data.items(), key=lambda kv: -float(kv[1]["gmv"] or 0))
        links = [_drill(view, **{by: k}) for k, _v in items]
        return Chart(
            name,
            _("Region ranking") if by == "region" else _("Store ranking"),
            "bar",
            [
                str(metrics.DIMENSIONS[by][2]),
                gmv,
                str(metrics.METRICS["transactions"].label),
                str(metrics.METRICS["aov"].label),
            ],
            [[label_for(by, k, names), v["gmv"], v["transactions"], v["aov"]] for k, v in items],
            links,
        )
    if name in {"top_skus", "bottom_skus"}:
        data = metrics.evaluate(["gmv", "units", "gross_margin_rate"], sl, "sku")
        items = sorted(
            data.items(),
            key=lambda kv: (float(kv[1]["gmv"] or 0), kv[0]),
            reverse=name == "top_skus",
        )[:TOP_N]
        names = labels("sku", [k for k, _v in items])
        links = (
            [_drill(view, store=view.store.pk, sku=k) for k, _v in items]
            if view.store is not None
            else []
        )
        return Chart(
            name,
            _("Top SKUs") if name == "top_skus" else _("Bottom SKUs"),
            "bar",
            [
                str(_("SKU")),
                gmv,
                str(metrics.METRICS["units"].label),
                str(metrics.METRICS["gross_margin_rate"].label),
            ],
            [
                [label_for("sku", k, names), v["gmv"], v["units"], v["gross_margin_rate"]]
                for k, v in items
            ],
            links,
        )
    if name == "promotion_results":
        data = metrics.evaluate(["gmv", "discounts", "promotion_cost_share"], sl, "category")
        names = labels("category", data)
        items = sorted(data.items(), key=lambda kv: -float(kv[1]["discounts"] or 0))[:TOP_N]
        return Chart(
            name,
            _("Promotion results by category"),
            "bar",
            [
                str(_("Category")),
                str(metrics.METRICS["discounts"].label),
                gmv,
                str(metrics.METRICS["promotion_cost_share"].label),
            ],
            [
                [
                    label_for("category", k, names),
                    v["discounts"],
                    v["gmv"],
                    v["promotion_cost_share"],
                ]
                for k, v in items
            ],
        )
    # store_split: one SKU (or the view) across stores
    data = metrics.evaluate(["gmv", "units"], sl, "store")
    names = labels("store", data)
    return Chart(
        name,
        _("By store"),
        "bar",
        [str(_("Store")), gmv, str(metrics.METRICS["units"].label)],
        [[label_for("store", k, names), v["gmv"], v["units"]] for k, v in data.items()],
    )


def regions_in_scope(scope: Scope) -> list[dict[str, Any]]:
    return list(
        Region.objects.filter(pk__in=scope.region_ids)
        .order_by("code")
        .values("pk", "code", "name", "name_en")
    )


def stores_in_scope(scope: Scope, region_id: int | None = None) -> list[dict[str, Any]]:
    qs = Store.objects.filter(pk__in=scope.store_ids)
    if region_id:
        qs = qs.filter(region_id=region_id)
    return list(qs.order_by("code").values("pk", "code", "name", "name_en"))
