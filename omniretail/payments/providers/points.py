"""Points as a tender (积分抵现): redeems the member's points through the members domain.

Rate: ``settings.OMNIRETAIL_MEMBERS["REDEEM_POINTS_PER_YUAN"]`` (default 100 points = ¥1,
i.e. one point per fen). Idempotent on the payment reference; a refund gives the points back.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from omniretail.core.errors import DomainError
from omniretail.core.money import to_fen

from .base import ChargeRequest, Outcome, ProviderResult, ledger_key


def points_per_yuan() -> int:
    return int(getattr(settings, "OMNIRETAIL_MEMBERS", {}).get("REDEEM_POINTS_PER_YUAN", 100))


def points_for_amount(amount: Decimal) -> int:
    """Whole points for an amount; an amount not worth a whole number of points is refused."""
    scaled = to_fen(amount) * points_per_yuan()
    return scaled // 100 if scaled % 100 == 0 else -1


class PointsProvider:
    name = "points"

    def charge(self, request: ChargeRequest) -> ProviderResult:
        from omniretail.members import services as members
        from omniretail.members.selectors import member_of_store_brand

        member = member_of_store_brand(request.member_id, request.store_id)
        if member is None:
            return ProviderResult(Outcome.DECLINED, message="no member for points")
        needed = points_for_amount(request.amount)
        if needed <= 0:
            return ProviderResult(Outcome.DECLINED, message="amount not payable in whole points")
        try:
            entry = members.redeem_points(member, needed, ledger_key("pay:", request.reference))
        except DomainError as exc:
            return ProviderResult(Outcome.DECLINED, message=exc.message)
        return ProviderResult(Outcome.CAPTURED, f"PT{entry.pk}", raw={"points": needed})

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult:
        from omniretail.members import services as members
        from omniretail.members.models import PointsEntry, PointsKind

        raw_pk = txn_id.removeprefix("PT")
        redemption = (
            PointsEntry.objects.select_related("member")
            .filter(pk=int(raw_pk), kind=PointsKind.REDEEM)
            .first()
            if raw_pk.isdigit()
            else None
        )
        back = points_for_amount(amount)
        if redemption is None or back <= 0 or back > -redemption.points:
            return ProviderResult(Outcome.DECLINED, message="unknown or too small redemption")
        try:
            entry = members.adjust_points(
                redemption.member,
                back,
                f"refund of points tender {redemption.reference}",
                reference=ledger_key("ref:", reference),
            )
        except DomainError as exc:
            return ProviderResult(Outcome.DECLINED, message=exc.message)
        return ProviderResult(Outcome.CAPTURED, f"PT{entry.pk}", raw={"points": back})

    def query(self, txn_id: str) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED, txn_id)
