"""Data-quality checks: is the extract complete and consistent with the transactional totals?

For each business day checked, the sold-order count, GMV and returns read from the database
(through ``extract``'s boundary queries) are compared with what the metrics layer reads from
Parquet. A day that differs is rebuilt once and compared again, so an order that changed
between the extract and the check does not cry wolf; a day that still differs fails the check
and raises a ``data_quality`` alert."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from omniretail.core import clock

from . import extract, metrics
from .alerts import Finding, raise_alert
from .models import AlertKind


@dataclass
class Check:
    day: dt.date
    name: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def _compare(day: dt.date, store_ids: frozenset[int]) -> list[Check]:
    truth = extract.transactional_totals(day)
    got = metrics.totals(["transactions", "gmv", "returns"], metrics.Slice(day, day, store_ids))
    return [
        Check(day, "transactions", truth["transactions"], got["transactions"]),
        Check(day, "gmv", truth["gmv"], got["gmv"]),
        Check(day, "returns", truth["returns"], got["returns"]),
    ]


def run_checks(days: int = 7, *, raise_alerts: bool = True, repair: bool = True) -> list[Check]:
    """Check the last ``days`` business days (today included). With ``repair`` a differing day
    is rebuilt and checked again before it counts as a failure."""
    from omniretail.core.models import Store

    store_rows = list(Store.objects.values_list("id", "brand_id"))
    store_ids = frozenset(s for s, _b in store_rows)
    today = clock.today()
    checks: list[Check] = []
    for n in range(days):
        day = today - dt.timedelta(days=n)
        result = _compare(day, store_ids)
        if repair and not all(c.ok for c in result):
            extract.rebuild_days([day])
            result = _compare(day, store_ids)
        checks.extend(result)
    failed = [c for c in checks if not c.ok]
    if failed and raise_alerts:
        brands = {b for _s, b in store_rows}
        for brand_id in sorted(brands):
            for c in failed:
                raise_alert(
                    Finding(
                        AlertKind.DATA_QUALITY,
                        None,
                        brand_id,
                        c.day,
                        c.name,
                        float(c.actual or 0),
                        float(c.expected or 0),
                        _(
                            "Extract differs from the transactions on %(day)s: %(name)s %(actual)s ≠ %(expected)s"
                        )
                        % {
                            "day": c.day.isoformat(),
                            "name": c.name,
                            "actual": c.actual,
                            "expected": c.expected,
                        },
                    )
                )
    return checks


def as_rows(checks: list[Check]) -> list[list[Any]]:
    return [
        [c.day.isoformat(), c.name, _str(c.expected), _str(c.actual), "OK" if c.ok else "FAIL"]
        for c in checks
    ]


def _str(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)
