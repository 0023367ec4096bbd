"""Stored value (储值卡): spends from the member's wallet through the members domain."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from omniretail.core.errors import DomainError

from .base import ChargeRequest, Outcome, ProviderResult


class StoredValueProvider:
    name = "stored_value"

    def charge(self, request: ChargeRequest) -> ProviderResult:
        from omniretail.core.models import Store
        from omniretail.members import stored_value
        from omniretail.members.models import Member

        brand_id = (
            Store.objects.filter(pk=request.store_id).values_list("brand_id", flat=True).first()
            if request.store_id
            else None
        )
        member = (
            Member.objects.filter(pk=request.member_id, brand_id=brand_id).first()
            if request.member_id and brand_id
            else None
        )
        if member is None:
            return ProviderResult(Outcome.DECLINED, message="no member for stored value")
        try:
            entry = stored_value.spend(
                stored_value.wallet_for(member),
                request.amount,
                "pay:" + hashlib.sha256(request.reference.encode()).hexdigest()[:40],
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
                "ref:" + hashlib.sha256(reference.encode()).hexdigest()[:40],
                original_reference=spend.reference,
            )
        except DomainError as exc:
            return ProviderResult(Outcome.DECLINED, message=exc.message)
        return ProviderResult(Outcome.CAPTURED, f"SV{entry.pk}")

    def query(self, txn_id: str) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED, txn_id)
