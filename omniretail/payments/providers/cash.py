"""Cash in the drawer: always captured, no remote party, refunds are paid out from the till."""

from __future__ import annotations

from decimal import Decimal

from .base import ChargeRequest, Outcome, ProviderResult


class CashProvider:
    name = "cash"

    def charge(self, request: ChargeRequest) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED)

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED)

    def query(self, txn_id: str) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED, txn_id)
