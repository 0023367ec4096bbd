"""Segmentation: RFM scores and segments for members, ABC/XYZ classes of SKUs per store, and
monthly cohort retention — all read from the extract.

RFM over the trailing ``RFM_WINDOW_DAYS``: recency (days since the last purchase), frequency
(sold orders) and monetary (GMV) are each scored 1–5 by quintile of rank within the brand
(5 = most recent / most frequent / highest spend). Segments are assigned in the order of
``SEGMENTS`` (first match wins); promotions targets campaigns with
``member_ids_in_rfm_segment``."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core import clock
from omniretail.core.errors import ValidationFailed

from .engine import QueryEngine, get_engine
from .errors import AnalyticsError

RFM_WINDOW_DAYS = 365
NEW_WITHIN_DAYS = 30

# code → label; the order is the order of assignment (first match wins)
SEGMENTS: dict[str, Any] = {
    "new": gettext_lazy("New customers"),
    "champions": gettext_lazy("Champions"),
    "loyal": gettext_lazy("Loyal"),
    "potential": gettext_lazy("Potential loyalists"),
    "at_risk": gettext_lazy("At risk"),
    "hibernating": gettext_lazy("Hibernating"),
    "need_attention": gettext_lazy("Need attention"),
}
SEGMENT_CODES: tuple[str, ...] = tuple(SEGMENTS)


@dataclass(frozen=True)
class RfmRow:
    member_id: int
    recency_days: int
    frequency: int
    monetary_fen: int
    r: int
    f: int
    m: int
    segment: str


def _scores(values: list[float], higher_is_better: bool = True) -> list[int]:
    """Quintile scores 1–5 by rank (ties share the lower rank's score)."""
    n = len(values)
    order = sorted(range(n), key=lambda i: values[i], reverse=not higher_is_better)
    scores = [0] * n
    rank_of: dict[float, int] = {}
    for rank, i in enumerate(order):
        rank_of.setdefault(values[i], rank)
    for i in range(n):
        scores[i] = min(5, 1 + (rank_of[values[i]] * 5) // n)
    return scores


def segment_for(r: int, f: int, m: int, frequency: int, recency_days: int) -> str:
    if frequency == 1 and recency_days <= NEW_WITHIN_DAYS:
        return "new"
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if f >= 4 and r >= 3:
        return "loyal"
    if r >= 4:
        return "potential"
    if r <= 2 and f >= 3:
        return "at_risk"
    if r <= 2:
        return "hibernating"
    return "need_attention"


def rfm(
    brand_id: int,
    as_of: dt.date | None = None,
    store_ids: frozenset[int] | None = None,
    engine: QueryEngine | None = None,
) -> list[RfmRow]:
    as_of = as_of or clock.today()
    start = as_of - dt.timedelta(days=RFM_WINDOW_DAYS - 1)
    params: list[Any] = [brand_id, start, as_of]
    where = "brand_id = ? AND day BETWEEN ? AND ? AND member_id IS NOT NULL"
    if store_ids is not None:
        ids = sorted(store_ids)
        if not ids:
            return []
        where += f" AND store_id IN ({', '.join('?' * len(ids))})"
        params.extend(ids)
    rows = (engine or get_engine()).query(
        "SELECT member_id, MAX(day) AS last_day, COUNT(DISTINCT order_id) AS frequency, "  # noqa: S608
        f"SUM(net_fen) AS monetary FROM sales WHERE {where} GROUP BY member_id "
        "ORDER BY member_id",
        params,
    )
    if not rows:
        return []
    recency = [(as_of - r["last_day"]).days for r in rows]
    r_scores = _scores([float(x) for x in recency], higher_is_better=False)
    f_scores = _scores([float(r["frequency"]) for r in rows])
    m_scores = _scores([float(r["monetary"] or 0) for r in rows])
    return [
        RfmRow(
            member_id=int(row["member_id"]),
            recency_days=recency[i],
            frequency=int(row["frequency"]),
            monetary_fen=int(row["monetary"] or 0),
            r=r_scores[i],
            f=f_scores[i],
            m=m_scores[i],
            segment=segment_for(
                r_scores[i], f_scores[i], m_scores[i], int(row["frequency"]), recency[i]
            ),
        )
        for i, row in enumerate(rows)
    ]


def check_segment(segment: str) -> None:
    if segment not in SEGMENTS:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_SEGMENT,
            _("Unknown RFM segment: %(s)s") % {"s": segment},
            {"segment": segment, "known": list(SEGMENT_CODES)},
        )


def member_ids_in_rfm_segment(brand_id: int, segment: str) -> set[int]:
    """Members of the brand in an RFM segment today (codes in ``SEGMENT_CODES``), as of the
    latest extract. Promotions uses this to target campaigns."""
    check_segment(segment)
    return {row.member_id for row in rfm(brand_id) if row.segment == segment}


def segment_summary(rows: list[RfmRow]) -> list[dict[str, Any]]:
    counts: dict[str, list[int]] = {code: [0, 0] for code in SEGMENTS}
    for row in rows:
        counts[row.segment][0] += 1
        counts[row.segment][1] += row.monetary_fen
    return [
        {"code": code, "label": str(SEGMENTS[code]), "members": n, "monetary_fen": fen}
        for code, (n, fen) in counts.items()
    ]


# --- ABC / XYZ --------------------------------------------------------------------------------

ABC_LIMITS = (0.80, 0.95)
XYZ_LIMITS = (0.5, 1.0)


@dataclass(frozen=True)
class AbcXyzRow:
    sku_id: int
    revenue_fen: int
    share: float
    cumulative: float
    abc: str
    cv: float | None
    xyz: str


def abc_xyz(
    store_id: int, start: dt.date, end: dt.date, engine: QueryEngine | None = None
) -> list[AbcXyzRow]:
    """ABC by cumulative share of GMV (A ≤ 80 %, B ≤ 95 %, C the rest); XYZ by the coefficient
    of variation of weekly units (X ≤ 0.5, Y ≤ 1.0, Z above; weeks without sales count as 0)."""
    rows = (engine or get_engine()).query(
        "SELECT sku_id, day, SUM(quantity) AS units, SUM(net_fen) AS revenue FROM sales "
        "WHERE store_id = ? AND day BETWEEN ? AND ? GROUP BY sku_id, day",
        [store_id, start, end],
    )
    weeks = max(1, math.ceil(((end - start).days + 1) / 7))
    revenue: dict[int, int] = defaultdict(int)
    weekly: dict[int, list[float]] = defaultdict(lambda: [0.0] * weeks)
    for r in rows:
        revenue[r["sku_id"]] += int(r["revenue"] or 0)
        weekly[r["sku_id"]][(r["day"] - start).days // 7] += float(r["units"] or 0)
    total = sum(revenue.values()) or 1
    out: list[AbcXyzRow] = []
    running = 0
    for sku_id, fen in sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0])):
        before = running / total
        running += fen
        abc = "A" if before < ABC_LIMITS[0] else "B" if before < ABC_LIMITS[1] else "C"
        series = weekly[sku_id]
        mean = statistics.fmean(series)
        cv = statistics.pstdev(series) / mean if mean else None
        xyz = "Z" if cv is None or cv > XYZ_LIMITS[1] else "Y" if cv > XYZ_LIMITS[0] else "X"
        out.append(
            AbcXyzRow(sku_id, fen, fen / total, running / total, abc, cv and round(cv, 3), xyz)
        )
    return out


# --- cohorts ----------------------------------------------------------------------------------


def cohorts(
    brand_id: int,
    store_ids: frozenset[int],
    months: int = 12,
    as_of: dt.date | None = None,
    engine: QueryEngine | None = None,
) -> list[dict[str, Any]]:
    """Members by month of first purchase; for each, the share buying again k months later."""
    as_of = as_of or clock.today()
    ids = sorted(store_ids)
    if not ids:
        return []
    rows = (engine or get_engine()).query(
        "SELECT member_id, EXTRACT(YEAR FROM day) * 12 + EXTRACT(MONTH FROM day) - 1 AS m "  # noqa: S608
        f"FROM sales WHERE brand_id = ? AND member_id IS NOT NULL AND store_id IN "
        f"({', '.join('?' * len(ids))}) GROUP BY member_id, m",
        [brand_id, *ids],
    )
    active: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        active[int(r["member_id"])].add(int(r["m"]))
    current = as_of.year * 12 + as_of.month - 1
    first_month = current - months + 1
    table: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    sizes: dict[int, int] = defaultdict(int)
    for mset in active.values():
        first = min(mset)
        if first < first_month:
            continue
        sizes[first] += 1
        for m in mset:
            table[first][m - first] += 1
    out = []
    for cohort in range(first_month, current + 1):
        size = sizes.get(cohort, 0)
        span = current - cohort + 1
        out.append(
            {
                "cohort": f"{cohort // 12}-{cohort % 12 + 1:02d}",
                "members": size,
                "retention": [
                    round(table[cohort].get(k, 0) / size, 4) if size else None for k in range(span)
                ],
            }
        )
    return out
