"""A simulated bank-card terminal (the real one speaks its vendor's serial/TCP protocol).

The terminal answers a "SALE" frame with a response code: "00" approved, "05" declined.
Like the sandbox, the outcome depends only on the terminal reference (``auth_code``): a
reference ending in "0000" is declined, so demos are reproducible. Transaction ids derive from
our reference, so a retried call answers with the same id (terminals dedupe on it too).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from .base import ChargeRequest, Outcome, ProviderResult


def _txn(reference: str) -> str:
    return "CARD" + hashlib.sha256(reference.encode()).hexdigest()[:20].upper()


class CardTerminalProvider:
    name = "card_terminal"

    def _frame(self, command: str, amount: Decimal, ref: str) -> str:
        return f"{command}|{int(amount * 100):012d}|{ref}"

    def charge(self, request: ChargeRequest) -> ProviderResult:
        frame = self._frame("SALE", request.amount, request.reference)
        code = "05" if request.auth_code.endswith("0000") else "00"
        if code != "00":
            return ProviderResult(
                Outcome.DECLINED, message="card declined (05)", raw={"frame": frame, "rc": code}
            )
        return ProviderResult(
            Outcome.CAPTURED, _txn(request.reference), raw={"frame": frame, "rc": code}
        )

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED, _txn(reference), raw={"rc": "00"})

    def query(self, txn_id: str) -> ProviderResult:
        return ProviderResult(Outcome.CAPTURED, txn_id)
