"""Basket analysis: association rules with mlxtend's FP-growth on a sparse one-hot matrix.

How rules are counted (as arules' ``apriori(..., minlen = 2)`` counts them): a rule has a
non-empty antecedent and exactly ONE item as consequent; every such rule whose support and
confidence reach the thresholds is one rule. ``{beer, nuts} → {chips}`` and
``{beer} → {chips}`` are two rules; mlxtend's multi-item consequents are not counted.
Support is over all transactions given (single-item baskets included).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from scipy import sparse

from omniretail.core.errors import ValidationFailed

from .engine import QueryEngine, get_engine
from .errors import AnalyticsError

MAX_RULES = 5000


@dataclass(frozen=True)
class Rule:
    antecedent: tuple[str, ...]
    consequent: str
    support: float
    confidence: float
    lift: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "antecedent": list(self.antecedent),
            "consequent": self.consequent,
            "support": round(self.support, 6),
            "confidence": round(self.confidence, 6),
            "lift": round(self.lift, 6),
        }


@dataclass
class BasketResult:
    transactions: int
    items: int
    rules: list[Rule]
    truncated: bool = False


class BasketFileError(ValueError):
    def __init__(self, line_no: int, message: str):
        super().__init__(f"line {line_no}: {message}")
        self.line_no = line_no


def check_thresholds(min_support: float, min_confidence: float) -> None:
    for name, value in (("min_support", min_support), ("min_confidence", min_confidence)):
        if not (0 < value <= 1):
            raise ValidationFailed(
                AnalyticsError.BAD_THRESHOLD,
                _("%(name)s must be greater than 0 and at most 1.") % {"name": name},
                {"field": name, "value": value},
            )


def one_hot(transactions: Sequence[Iterable[Any]]) -> tuple[pd.DataFrame, list[str]]:
    """A sparse boolean DataFrame (transactions × items)."""
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for t, basket in enumerate(transactions):
        for item in set(basket):
            key = str(item)
            cols.append(index.setdefault(key, len(index)))
            rows.append(t)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(transactions), len(index))
    )
    names = sorted(index, key=index.__getitem__)
    frame = pd.DataFrame.sparse.from_spmatrix(matrix, columns=names)
    return frame, names


def mine(
    transactions: Sequence[Iterable[Any]],
    min_support: float,
    min_confidence: float,
    max_len: int | None = 4,
) -> BasketResult:
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    check_thresholds(min_support, min_confidence)
    n = len(transactions)
    if n == 0:
        return BasketResult(0, 0, [])
    frame, names = one_hot(transactions)
    if not names:
        return BasketResult(n, 0, [])
    frequent = fpgrowth(frame, min_support=min_support, use_colnames=True, max_len=max_len)
    if frequent.empty or frequent["itemsets"].map(len).max() < 2:
        return BasketResult(n, len(names), [])
    found = association_rules(
        frequent,
        num_itemsets=n,
        metric="confidence",
        min_threshold=min_confidence,
        return_metrics=[
            "antecedent support",
            "consequent support",
            "support",
            "confidence",
            "lift",
        ],
    )
    found = found[found["consequents"].map(len) == 1]
    found = found[found["support"] >= min_support - 1e-12]
    rules = [
        Rule(
            antecedent=tuple(sorted(r.antecedents)),
            consequent=next(iter(r.consequents)),
            support=float(r.support),
            confidence=float(r.confidence),
            lift=float(r.lift),
        )
        for r in found.itertuples()
    ]
    rules.sort(key=lambda r: (-r.lift, -r.confidence, -r.support, r.antecedent, r.consequent))
    truncated = len(rules) > MAX_RULES
    return BasketResult(n, len(names), rules[:MAX_RULES] if truncated else rules, truncated)


def read_file(path: str) -> list[list[str]]:
    """One transaction per line, items separated by commas. Blank lines, empty items, or
    lines that are not UTF-8 text are refused with their line number."""
    transactions: list[list[str]] = []
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError:
                raise BasketFileError(line_no, _("not UTF-8 text")) from None
            text = text.rstrip("\r\n")
            if not text.strip():
                raise BasketFileError(line_no, _("empty transaction"))
            if "\x00" in text:
                raise BasketFileError(line_no, _("contains a NUL byte"))
            items = [i.strip() for i in text.split(",")]
            if any(not i for i in items):
                raise BasketFileError(line_no, _("empty item (two commas in a row?)"))
            transactions.append(items)
    return transactions


def store_baskets(
    store_ids: frozenset[int],
    start: dt.date,
    end: dt.date,
    engine: QueryEngine | None = None,
) -> list[list[int]]:
    """The period's sold orders in the given stores, as lists of SKU ids."""
    from .metrics import validate_range

    validate_range(start, end)
    ids = sorted(store_ids)
    if not ids:
        return []
    engine = engine or get_engine()
    from .metrics import date_literal

    rows = engine.query(
        f"SELECT order_id, sku_id FROM sales WHERE day BETWEEN {date_literal(start)} "  # noqa: S608
        f"AND {date_literal(end)} AND store_id IN ({', '.join('?' * len(ids))}) "
        "ORDER BY order_id",
        ids,
    )
    baskets: dict[int, list[int]] = {}
    for r in rows:
        baskets.setdefault(r["order_id"], []).append(r["sku_id"])
    return list(baskets.values())


def network(rules: list[Rule], names: dict[str, str], limit: int = 60) -> dict[str, Any]:
    """ECharts graph data: items as nodes, pairwise rules as edges weighted by lift."""
    top = [r for r in rules if len(r.antecedent) == 1][:limit]
    nodes: dict[str, dict[str, Any]] = {}
    links = []
    for r in top:
        for item in (r.antecedent[0], r.consequent):
            nodes.setdefault(item, {"id": item, "name": names.get(item, item), "value": 0})
            nodes[item]["value"] += 1
        links.append(
            {
                "source": r.antecedent[0],
                "target": r.consequent,
                "value": round(r.lift, 2),
                "confidence": round(r.confidence, 3),
            }
        )
    return {"nodes": list(nodes.values()), "links": links}
