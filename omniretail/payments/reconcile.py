"""Daily reconciliation: a provider's settlement file against our captured payments.

A payment belongs to the business day (Asia/Shanghai) it was captured in, as a settlement file
does. Each side is keyed by the provider's transaction id; the report lists what matched, what
only the provider has (money we never recorded), what only we have (money the provider does
not confirm) and amount mismatches. Fees are summed for finance, never compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from omniretail.core import clock
from omniretail.core.money import ZERO, quantize

from . import providers
from .models import Payment
from .providers.base import SettlementRow


@dataclass(frozen=True)
class Mismatch:
    txn_id: str
    ours: Decimal
    theirs: Decimal


@dataclass
class ReconciliationReport:
    provider: str
    day: dt.date
    matched: list[str] = field(default_factory=list)
    missing_ours: list[str] = field(default_factory=list)  # in their file, not in our books
    missing_theirs: list[str] = field(default_factory=list)  # in our books, not in their file
    mismatches: list[Mismatch] = field(default_factory=list)
    our_total: Decimal = ZERO
    their_total: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def clean(self) -> bool:
        return not (self.missing_ours or self.missing_theirs or self.mismatches)


def reconcile(
    provider: str, day: dt.date, settlement_rows: Iterable[SettlementRow]
) -> ReconciliationReport:
    start, end = clock.business_day_bounds(day)
    ours: dict[str, Decimal] = {
        txn: cast(Decimal, amount)
        for txn, amount in Payment.objects.filter(
            provider=provider, captured_at__gte=start, captured_at__lt=end
        )
        .exclude(provider_txn_id="")
        .values_list("provider_txn_id", "amount")
    }
    report = ReconciliationReport(provider, day)
    seen: set[str] = set()
    for row in settlement_rows:
        seen.add(row.txn_id)
        amount = quantize(row.amount)
        report.their_total += amount
        report.fees += quantize(row.fee)
        if row.txn_id not in ours:
            report.missing_ours.append(row.txn_id)
        elif ours[row.txn_id] != amount:
            report.mismatches.append(Mismatch(row.txn_id, ours[row.txn_id], amount))
        else:
            report.matched.append(row.txn_id)
    report.missing_theirs = sorted(set(ours) - seen)
    report.our_total = quantize(sum(ours.values(), ZERO))
    return report


def provider_settlement(provider: str, day: dt.date) -> list[SettlementRow]:
    """The provider's own settlement file for the day (the sandbox produces one)."""
    impl = providers.get(provider)
    settle = getattr(impl, "settlement", None)
    return list(settle(day)) if settle else []
