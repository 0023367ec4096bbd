"""Stored value (储值卡): spends from the member's wallet through the members domain."""

from __future__ import annotations

from decimal import Decimal

from omniretail.core.errors import DomainError

from .base import ChargeRequest, Outcome, ProviderResult, ledger_key


class StoredValueProvider:
    name = "stored_value"

    def charge(self, request: ChargeRequest) -> ProviderResult:
        from omniretail.members import stored_value
        from omniretail.members.selectors import member_of_store_brand

        member = member_of_store_brand(request.member_id, request.store_id)
        if member is None:
            return ProviderResult(Outcome.DECLINED, message="no member for stored value")
        try:
            entry = stored_value.spend(
                stored_value.wallet_for(member),
                request.amount,
                ledger_key("pay:", request.reference),
            )
        except DomainError as exc:
            return ProviderResult(Outcome.DECLINED, message=exc.message)
        return ProviderResult(Outcome.CAPTURED, f"SV{entry.pk}")

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult:
        from omniretail.members import stored_value
        from omniretail.members.models import StoredValueEntry

        spend = StoredValueEntry.objects.filter(pk=int(txn_id.removeprefix("SV") or 0)).first()
        if spend is None:
            return ProviderResult(Outcome.DECLINED, message="unknown stored-value spend")
        try:
            entry = stored_value.refund(
                spend.account,
                amount,
                ledger_key("ref:", reference),
                original_reference=spend.reference,
            )
        except DomainError as exc:
            return ProviderResult(Outcome.DECLINED, message=exc.message)
        return ProviderResult(Outcome.CAPTURED, f"SV{entry.pk}")

    def query(self, txn_id: str) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED, txn_id)
