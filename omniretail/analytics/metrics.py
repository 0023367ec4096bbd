"""The metrics layer: ONE definition per metric, used by every dashboard, report, API and alert.

A metric is computed from *measures* — SQL aggregates over one logical table of the extract
(``sales``, ``returns``, ``stock``; see ``engine.py``). ``evaluate`` groups the requested
metrics' measures by table, runs one query per table for the slice, merges the rows on the
dimension key and applies each metric's formula. Comparisons run the same evaluation on the
previous period (same length, just before) and on the same dates one year earlier.

Definitions (money in CNY, from integer fen):

* GMV — what customers paid for sold orders (sum of line nets after discounts); an order is
  sold once paid (cancelled and unpaid orders are not sales). Dated by order creation.
* returns — net value of goods brought back, dated by the return.
* net sales — GMV − returns.   AOV (客单价) — net sales ÷ transactions.
* transactions — sold orders.  UPT (连带率) — units ÷ transactions.
* gross margin — GMV − COGS (cost of the stock movements that sold the lines, from inventory
  valuation); margin rate — gross margin ÷ GMV.
* promotion cost share — discounts ÷ list value.
* member sales share — GMV of orders with a member ÷ GMV.  online share — GMV of non-POS
  channels ÷ GMV.  new customers — members whose first purchase in the extract falls in the
  period; returning — the other members who bought.
* SLA attainment — remote orders answered (ready for pickup / dispatched) within 30 minutes ÷
  remote orders.
* stock-out rate — store×SKU pairs with nothing on hand ÷ pairs stocked (latest snapshot on or
  before the period's end); sell-through (动销率) — pairs that sold ÷ pairs stocked; inventory
  turnover — COGS ÷ stock value; days of supply — stock value ÷ (COGS per day).

Conversion (transactions ÷ foot traffic) needs door counters, which no domain records yet.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from omniretail.core.errors import ValidationFailed

from .engine import QueryEngine, get_engine
from .errors import AnalyticsError

MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Measure:
    """An aggregate over one table. ``order_sql`` is the same figure on the order-level table
    (one row per sold order), used when the slice neither filters nor groups by a line-level
    column (category, SKU): counting orders there needs no COUNT(DISTINCT) over lines."""

    source: str
    sql: str
    needs_first_day: bool = False
    order_sql: str | None = None


PAIR = "store_id * 4294967296 + sku_id"  # one integer per store × SKU pair
MEASURES: dict[str, Measure] = {
    "gmv_fen": Measure("sales", "SUM(net_fen)"),
    "list_fen": Measure("sales", "SUM(list_fen)"),
    "discount_fen": Measure("sales", "SUM(discount_fen)"),
    "cogs_fen": Measure("sales", "SUM(cost_fen)"),
    "units": Measure("sales", "SUM(quantity)"),
    "transactions": Measure("sales", "COUNT(DISTINCT order_id)", order_sql="COUNT(*)"),
    "member_gmv_fen": Measure(
        "sales", "SUM(CASE WHEN member_id IS NOT NULL THEN net_fen ELSE 0 END)"
    ),
    "online_gmv_fen": Measure("sales", "SUM(CASE WHEN channel <> 'pos' THEN net_fen ELSE 0 END)"),
    "sla_due": Measure(
        "sales",
        "COUNT(DISTINCT CASE WHEN sla_due THEN order_id END)",
        order_sql="SUM(CASE WHEN sla_due THEN 1 ELSE 0 END)",
    ),
    "sla_met": Measure(
        "sales",
        "COUNT(DISTINCT CASE WHEN sla_met THEN order_id END)",
        order_sql="SUM(CASE WHEN sla_met THEN 1 ELSE 0 END)",
    ),
    "customers": Measure(
        "sales", "COUNT(DISTINCT member_id)", order_sql="COUNT(DISTINCT member_id)"
    ),
    "new_customers": Measure(
        "sales",
        "COUNT(DISTINCT CASE WHEN first_day >= ? THEN member_id END)",
        needs_first_day=True,
    ),
    "sold_pairs": Measure("sales", f"COUNT(DISTINCT {PAIR})"),
    "returns_fen": Measure("returns", "SUM(net_fen)"),
    "returned_units": Measure("returns", "SUM(quantity)"),
    "stock_value_fen": Measure("stock", "SUM(value_fen)"),
    "pairs_tracked": Measure("stock", "COUNT(*)"),
    "pairs_out": Measure("stock", "SUM(CASE WHEN on_hand <= 0 THEN 1 ELSE 0 END)"),
}


def _money(fen: Any) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(Decimal("0.01"))


def _ratio(num: Any, den: Any, digits: int = 4) -> float | None:
    if not den:
        return None
    return round(float(num or 0) / float(den), digits)


@dataclass(frozen=True)
class Metric:
    code: str
    label: Any
    unit: str  # money | count | ratio | number | days
    measures: tuple[str, ...]
    formula: Callable[[dict[str, Any], int], Any]
    higher_is_better: bool = True


def _m(code: str, label: Any, unit: str, measures: tuple[str, ...], formula: Any, **kw: Any):
    return Metric(code, label, unit, measures, formula, **kw)


METRICS: dict[str, Metric] = {
    m.code: m
    for m in [
        _m("gmv", _("GMV"), "money", ("gmv_fen",), lambda v, d: _money(v["gmv_fen"])),
        _m(
            "net_sales",
            _("Net sales"),
            "money",
            ("gmv_fen", "returns_fen"),
            lambda v, d: _money((v["gmv_fen"] or 0) - (v["returns_fen"] or 0)),
        ),
        _m(
            "returns",
            _("Returns"),
            "money",
            ("returns_fen",),
            lambda v, d: _money(v["returns_fen"]),
            higher_is_better=False,
        ),
        _m(
            "return_rate",
            _("Return rate"),
            "ratio",
            ("returns_fen", "gmv_fen"),
            lambda v, d: _ratio(v["returns_fen"], v["gmv_fen"]),
            higher_is_better=False,
        ),
        _m(
            "gross_margin",
            _("Gross margin"),
            "money",
            ("gmv_fen", "cogs_fen"),
            lambda v, d: _money((v["gmv_fen"] or 0) - (v["cogs_fen"] or 0)),
        ),
        _m(
            "gross_margin_rate",
            _("Gross margin rate"),
            "ratio",
            ("gmv_fen", "cogs_fen"),
            lambda v, d: _ratio((v["gmv_fen"] or 0) - (v["cogs_fen"] or 0), v["gmv_fen"]),
        ),
        _m(
            "cogs",
            _("Cost of goods sold"),
            "money",
            ("cogs_fen",),
            lambda v, d: _money(v["cogs_fen"]),
        ),
        _m(
            "transactions",
            _("Transactions"),
            "count",
            ("transactions",),
            lambda v, d: int(v["transactions"] or 0),
        ),
        _m(
            "aov",
            _("Average order value"),
            "money",
            ("gmv_fen", "returns_fen", "transactions"),
            lambda v, d: (
                _money(((v["gmv_fen"] or 0) - (v["returns_fen"] or 0)) / v["transactions"])
                if v["transactions"]
                else None
            ),
        ),
        _m("units", _("Units sold"), "count", ("units",), lambda v, d: int(v["units"] or 0)),
        _m(
            "upt",
            _("Units per transaction"),
            "number",
            ("units", "transactions"),
            lambda v, d: _ratio(v["units"], v["transactions"], 2),
        ),
        _m(
            "discounts",
            _("Promotion cost"),
            "money",
            ("discount_fen",),
            lambda v, d: _money(v["discount_fen"]),
            higher_is_better=False,
        ),
        _m(
            "promotion_cost_share",
            _("Promotion cost share"),
            "ratio",
            ("discount_fen", "list_fen"),
            lambda v, d: _ratio(v["discount_fen"], v["list_fen"]),
            higher_is_better=False,
        ),
        _m(
            "member_sales_share",
            _("Member sales share"),
            "ratio",
            ("member_gmv_fen", "gmv_fen"),
            lambda v, d: _ratio(v["member_gmv_fen"], v["gmv_fen"]),
        ),
        _m(
            "online_share",
            _("Online share"),
            "ratio",
            ("online_gmv_fen", "gmv_fen"),
            lambda v, d: _ratio(v["online_gmv_fen"], v["gmv_fen"]),
        ),
        _m(
            "customers",
            _("Member customers"),
            "count",
            ("customers",),
            lambda v, d: int(v["customers"] or 0),
        ),
        _m(
            "new_customers",
            _("New customers"),
            "count",
            ("new_customers",),
            lambda v, d: int(v["new_customers"] or 0),
        ),
        _m(
            "returning_customers",
            _("Returning customers"),
            "count",
            ("customers", "new_customers"),
            lambda v, d: int((v["customers"] or 0) - (v["new_customers"] or 0)),
        ),
        _m(
            "sla_attainment",
            _("Fulfilment SLA attainment"),
            "ratio",
            ("sla_met", "sla_due"),
            lambda v, d: _ratio(v["sla_met"], v["sla_due"]),
        ),
        _m(
            "stock_value",
            _("Stock value"),
            "money",
            ("stock_value_fen",),
            lambda v, d: _money(v["stock_value_fen"]),
        ),
        _m(
            "stock_out_rate",
            _("Stock-out rate"),
            "ratio",
            ("pairs_out", "pairs_tracked"),
            lambda v, d: _ratio(v["pairs_out"], v["pairs_tracked"]),
            higher_is_better=False,
        ),
        _m(
            "sell_through",
            _("Sell-through (active SKU rate)"),
            "ratio",
            ("sold_pairs", "pairs_tracked"),
            lambda v, d: _ratio(v["sold_pairs"], v["pairs_tracked"]),
        ),
        _m(
            "inventory_turnover",
            _("Inventory turnover"),
            "number",
            ("cogs_fen", "stock_value_fen"),
            lambda v, d: _ratio(v["cogs_fen"], v["stock_value_fen"], 2),
        ),
        _m(
            "days_of_supply",
            _("Days of supply"),
            "days",
            ("cogs_fen", "stock_value_fen"),
            lambda v, d: (
                round(float(v["stock_value_fen"] or 0) / (float(v["cogs_fen"]) / d), 1)
                if v["cogs_fen"]
                else None
            ),
            higher_is_better=False,
        ),
    ]
}

# dimension → (column expression, tables that carry it, label)
DIMENSIONS: dict[str, tuple[str, frozenset[str], Any]] = {
    "day": ("day", frozenset({"sales", "returns"}), _("Day")),
    "store": ("store_id", frozenset({"sales", "returns", "stock"}), _("Store")),
    "region": ("region_id", frozenset({"sales", "returns", "stock"}), _("Region")),
    "brand": ("brand_id", frozenset({"sales", "returns", "stock"}), _("Brand")),
    "channel": ("channel", frozenset({"sales", "returns"}), _("Channel")),
    "category": ("category_id", frozenset({"sales", "returns", "stock"}), _("Category")),
    "sku": ("sku_id", frozenset({"sales", "returns", "stock"}), _("SKU")),
    "hour": ("hour", frozenset({"sales", "returns"}), _("Hour")),
    "weekday": ("weekday", frozenset({"sales", "returns"}), _("Weekday")),
    "member_tier": ("member_tier", frozenset({"sales", "returns"}), _("Member tier")),
}
# filter name → column; filters a table does not carry (channel on stock) do not apply to it
FILTERS = {
    "region_id": "region_id",
    "store_id": "store_id",
    "channel": "channel",
    "category_id": "category_id",
    "sku_id": "sku_id",
    "member_tier": "member_tier",
}
LINE_LEVEL = frozenset({"category_id", "sku_id"})
TABLE_COLUMNS = {
    "orders": {"region_id", "store_id", "channel", "member_tier"},
    "sales": {"region_id", "store_id", "channel", "category_id", "sku_id", "member_tier"},
    "returns": {"region_id", "store_id", "channel", "category_id", "sku_id", "member_tier"},
    "stock": {"region_id", "store_id", "category_id", "sku_id"},
}


@dataclass(frozen=True)
class Slice:
    """What to look at: dates (inclusive), the stores the caller may see, optional filters."""

    start: dt.date
    end: dt.date
    store_ids: frozenset[int]
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, days: int | None = None, years: int = 0) -> Slice:
        if years:
            return replace(
                self, start=_minus_years(self.start, years), end=_minus_years(self.end, years)
            )
        delta = dt.timedelta(days=days if days is not None else self.days)
        return replace(self, start=self.start - delta, end=self.end - delta)

    def previous(self) -> Slice:
        return self.shifted()

    def last_year(self) -> Slice:
        return self.shifted(years=1)


def _minus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2199, 12, 31)


def validate_range(start: dt.date, end: dt.date) -> None:
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        raise ValidationFailed(
            AnalyticsError.RANGE_TOO_LONG,
            _("Dates must lie between %(a)s and %(b)s.")
            % {"a": EARLIEST.isoformat(), "b": LATEST.isoformat()},
            {"start": start.isoformat(), "end": end.isoformat()},
        )
    if end < start:
        raise ValidationFailed(
            AnalyticsError.REVERSED_RANGE,
            _("The end date is before the start date."),
            {"start": start.isoformat(), "end": end.isoformat()},
        )
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed(
            AnalyticsError.RANGE_TOO_LONG,
            _("Ask for at most %(n)d days at a time.") % {"n": MAX_RANGE_DAYS},
            {"max_days": MAX_RANGE_DAYS},
        )


def metric(code: str) -> Metric:
    try:
        return METRICS[code]
    except KeyError:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_METRIC,
            _("Unknown metric: %(code)s") % {"code": code},
            {"metric": code, "known": sorted(METRICS)},
        ) from None


def _dims(by: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if by is None:
        return ()
    return (by,) if isinstance(by, str) else tuple(by)


def check_dimension(by: str | tuple[str, ...] | None, codes: list[str]) -> None:
    dims = _dims(by)
    if len(dims) > 2:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_DIMENSION,
            _("Slice by at most two dimensions."),
            {"dimension": list(dims)},
        )
    for dim in dims:
        if dim not in DIMENSIONS:
            raise ValidationFailed(
                AnalyticsError.UNKNOWN_DIMENSION,
                _("Unknown dimension: %(by)s") % {"by": dim},
                {"dimension": dim, "known": sorted(DIMENSIONS)},
            )
        tables = DIMENSIONS[dim][1]
        for code in codes:
            missing = {MEASURES[m].source for m in METRICS[code].measures} - tables
            if missing:
                raise ValidationFailed(
                    AnalyticsError.NOT_SLICEABLE,
                    _("%(metric)s cannot be sliced by %(by)s.") % {"metric": code, "by": dim},
                    {"metric": code, "dimension": dim},
                )


def date_literal(day: dt.date) -> str:
    """A date inlined as a SQL literal (from a ``date`` object only, so nothing can be
    injected): engines prune day partitions on literals, not on bound parameters."""
    if not isinstance(day, dt.date):
        raise TypeError("a date is required")
    return f"DATE '{day.isoformat()}'"


def _where(
    table: str,
    sl: Slice,
    params: list[Any],
    day_clause: str | None = None,
    engine: QueryEngine | None = None,
) -> str:
    clauses = []
    if day_clause is not None:
        clauses.append(day_clause)
    elif table == "stock":
        latest = getattr(engine, "latest_day", None)
        if latest is not None:
            snapshot = latest("stock", sl.end)
            clauses.append(f"day = {date_literal(snapshot)}" if snapshot else "1 = 0")
        else:
            clauses.append(
                f"day = (SELECT MAX(day) FROM stock WHERE day <= {date_literal(sl.end)})"  # noqa: S608
            )
    else:
        clauses.append(f"day BETWEEN {date_literal(sl.start)} AND {date_literal(sl.end)}")
    ids = sorted(sl.store_ids)
    if not ids:
        clauses.append("1 = 0")
    else:
        clauses.append(f"store_id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    for name, value in sorted(sl.filters.items()):
        if value is None or value == "":
            continue
        column = FILTERS.get(name)
        if column is None:
            raise ValidationFailed(
                AnalyticsError.UNKNOWN_FILTER,
                _("Unknown filter: %(name)s") % {"name": name},
                {"filter": name},
            )
        if column in TABLE_COLUMNS[table]:
            clauses.append(f"{column} = ?")
            params.append(value)
    return " AND ".join(clauses)


Rows = dict[Any, dict[str, Any]]


def _order_level(sl: Slice, by: Any) -> bool:
    dims = _dims(by)
    if any(DIMENSIONS[d][0] in LINE_LEVEL for d in dims):
        return False
    return not any(
        FILTERS.get(k) in LINE_LEVEL and v not in (None, "") for k, v in sl.filters.items()
    )


def _plan(codes: list[str], sl: Slice, by: Any) -> dict[str, list[str]]:
    """Measures grouped by the table that computes them for this slice."""
    order_level = _order_level(sl, by)
    needed: dict[str, list[str]] = {}
    for code in codes:
        for name in METRICS[code].measures:
            m = MEASURES[name]
            table = "orders" if order_level and m.order_sql else m.source
            if name not in needed.setdefault(table, []):
                needed[table].append(name)
    return needed


def _sql(table: str, name: str) -> str:
    m = MEASURES[name]
    return m.order_sql if table == "orders" and m.order_sql else m.sql


def _query_measures(engine: QueryEngine, table: str, names: list[str], sl: Slice, by: Any) -> Rows:
    params: list[Any] = []
    selects = []
    first_day = any(MEASURES[n].needs_first_day for n in names)
    for n in names:
        selects.append(f"{_sql(table, n)} AS {n}")
        if MEASURES[n].needs_first_day:
            params.append(sl.start)
    dims = _dims(by)
    keys = [f"{DIMENSIONS[d][0]} AS k{i}" for i, d in enumerate(dims)] or ["NULL AS k0"]
    source = table
    if first_day:
        source = (
            "sales LEFT JOIN (SELECT member_id AS fm, MIN(day) AS first_day FROM sales "
            "WHERE member_id IS NOT NULL GROUP BY member_id) f ON f.fm = sales.member_id"
        )
    where = _where(table, sl, params, engine=engine)
    # identifiers come from the MEASURES/DIMENSIONS constants; every value is a ? parameter
    sql = f"SELECT {', '.join(keys)}, {', '.join(selects)} FROM {source} WHERE {where}"  # noqa: S608
    if dims:
        sql += " GROUP BY " + ", ".join(f"k{i}" for i in range(len(dims)))
    out: Rows = {}
    for r in engine.query(sql, params):
        key_parts = tuple(r.pop(f"k{i}") for i in range(max(1, len(dims))))
        out[key_parts if len(dims) > 1 else key_parts[0]] = r
    return out


def evaluate(
    codes: list[str],
    sl: Slice,
    by: str | tuple[str, ...] | None = None,
    engine: QueryEngine | None = None,
) -> dict[Any, dict[str, Any]]:
    """{dimension key (None when not grouped) → {metric code → value}}."""
    for code in codes:
        metric(code)
    check_dimension(by, codes)
    engine = engine or get_engine()
    needed = _plan(codes, sl, by)
    merged: dict[Any, dict[str, Any]] = {}
    for table, names in needed.items():
        for key, values in _query_measures(engine, table, names, sl, by).items():
            merged.setdefault(key, {}).update(values)
    if by is None and None not in merged:
        merged[None] = {}
    out: dict[Any, dict[str, Any]] = {}
    for key, values in merged.items():
        full = {name: values.get(name) for name in MEASURES}
        out[key] = {code: METRICS[code].formula(full, sl.days) for code in codes}
    return out


def _disjoint(slices: list[Slice]) -> bool:
    spans = sorted((s.start, s.end) for s in slices)
    return all(a[1] < b[0] for a, b in itertools.pairwise(spans))


def evaluate_periods(
    codes: list[str],
    slices: list[Slice],
    by: str | tuple[str, ...] | None = None,
    engine: QueryEngine | None = None,
) -> list[dict[Any, dict[str, Any]]]:
    """``evaluate`` for several periods of the same slice (current, previous, last year) with
    one scan per table: the period is one more GROUP BY key. Falls back to one evaluation per
    period when the periods overlap or a measure needs the first-purchase join."""
    for code in codes:
        metric(code)
    check_dimension(by, codes)
    engine = engine or get_engine()
    needed = _plan(codes, slices[0], by)
    if not _disjoint(slices) or any(
        MEASURES[n].needs_first_day for names in needed.values() for n in names
    ):
        return [evaluate(codes, sl, by, engine) for sl in slices]
    merged: list[dict[Any, dict[str, Any]]] = [{} for _ in slices]
    dims = _dims(by)
    for table, names in needed.items():
        if table == "stock":
            for i, sl in enumerate(slices):
                for key, values in _query_measures(engine, table, names, sl, by).items():
                    merged[i].setdefault(key, {}).update(values)
            continue
        params: list[Any] = []
        case = " ".join(
            f"WHEN day BETWEEN {date_literal(sl.start)} AND {date_literal(sl.end)} THEN {i}"
            for i, sl in enumerate(slices)
        )
        ranges = " OR ".join(
            f"day BETWEEN {date_literal(sl.start)} AND {date_literal(sl.end)}" for sl in slices
        )
        keys = [f"CASE {case} END AS p"] + [
            f"{DIMENSIONS[d][0]} AS k{i}" for i, d in enumerate(dims)
        ]
        selects = [f"{_sql(table, n)} AS {n}" for n in names]
        where = _where(table, slices[0], params, day_clause=f"({ranges})")
        group = ["p"] + [f"k{i}" for i in range(len(dims))]
        sql = (
            f"SELECT {', '.join(keys)}, {', '.join(selects)} FROM {table} "  # noqa: S608
            f"WHERE {where} GROUP BY {', '.join(group)}"
        )
        for r in engine.query(sql, params):
            period = r.pop("p")
            parts = tuple(r.pop(f"k{i}") for i in range(len(dims)))
            key = parts if len(dims) > 1 else (parts[0] if dims else None)
            merged[period].setdefault(key, {}).update(r)
    out: list[dict[Any, dict[str, Any]]] = []
    for sl, rows in zip(slices, merged, strict=True):
        if by is None and None not in rows:
            rows[None] = {}
        out.append(
            {
                key: {
                    code: METRICS[code].formula({n: values.get(n) for n in MEASURES}, sl.days)
                    for code in codes
                }
                for key, values in rows.items()
            }
        )
    return out


def totals(codes: list[str], sl: Slice, engine: QueryEngine | None = None) -> dict[str, Any]:
    return evaluate(codes, sl, None, engine)[None]


@dataclass
class Point:
    key: Any
    value: Any
    previous: Any = None
    last_year: Any = None


def series(
    code: str,
    sl: Slice,
    by: str | None = None,
    compare: bool = True,
    engine: QueryEngine | None = None,
) -> list[Point]:
    """One metric sliced by a dimension, with the previous period and last year beside it.
    Grouped by day, comparison points are matched by position in the period (day n of this
    period against day n of the earlier one)."""
    if not compare:
        current = evaluate([code], sl, by, engine)
        return _sorted([Point(k, v[code]) for k, v in current.items()], by)
    current, *earlier_periods = evaluate_periods(
        [code], [sl, sl.previous(), sl.last_year()], by, engine
    )
    points = [Point(k, v[code]) for k, v in current.items()]
    for attr, other, earlier in zip(
        ("previous", "last_year"), (sl.previous(), sl.last_year()), earlier_periods, strict=True
    ):
        for p in points:
            key = p.key
            if by == "day" and isinstance(key, dt.date):
                key = key - (sl.start - other.start)
            if key in earlier:
                setattr(p, attr, earlier[key][code])
    return _sorted(points, by)


def _sorted(points: list[Point], by: str | None) -> list[Point]:
    if by in {"day", "hour", "weekday"}:
        return sorted(points, key=lambda p: (p.key is None, p.key))
    return sorted(points, key=lambda p: (p.value is None, -(float(p.value or 0))))


def change(current: Any, earlier: Any) -> float | None:
    """Relative change, e.g. 0.12 for +12 %."""
    if current is None or earlier in (None, 0):
        return None
    return round((float(current) - float(earlier)) / abs(float(earlier)), 4)
