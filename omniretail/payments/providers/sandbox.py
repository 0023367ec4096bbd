"""A local sandbox gateway for WeChat Pay / Alipay / UnionPay QR (付款码 micropay).

Two halves: ``SandboxGateway`` plays the remote server (its book is ``SandboxTransaction``),
``SandboxProvider`` is our client. Every request and answer is a signed message
(``signing``); the gateway rejects forged, stale and replayed requests and the client checks
the gateway's answers the same way, so the whole trust path is exercised offline.

Outcomes depend only on the payment code, so tests and demos are reproducible:
- a code ending in "0000" is declined;
- a code ending in "9999" leaves the customer "paying" (confirming on the phone): the charge
  answers pending and ``SandboxGateway.confirm`` later emits the signed success notification;
- any other code is paid at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction

from omniretail.core import clock
from omniretail.core.errors import DomainError
from omniretail.core.money import from_fen, quantize, to_fen

from . import signing
from .base import ChargeRequest, Outcome, ProviderResult, SettlementRow

FEE_RATE = Decimal("0.006")
SUCCESS, USERPAYING, DECLINED = "SUCCESS", "USERPAYING", "DECLINED"


def _id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:24].upper()


class SandboxGateway:
    """The pretend remote server. ``handle`` takes and returns signed messages only."""

    channel = "sandbox-gateway"

    def handle(self, message: signing.SignedMessage) -> signing.SignedMessage:
        try:
            body = signing.verify(message, channel=self.channel)
        except DomainError as exc:
            return signing.make({"result": "REJECTED", "message": exc.code})
        op = body.get("op")
        handler = {"pay": self._pay, "refund": self._refund, "query": self._query}.get(str(op))
        answer = handler(body) if handler else {"result": "REJECTED", "message": "unknown op"}
        return signing.make(answer)

    def _answer(self, txn: Any) -> dict[str, Any]:
        result = {"success": SUCCESS, "user_paying": USERPAYING}.get(txn.status, DECLINED)
        return {"result": result, "txn_id": txn.txn_id, "amount_fen": to_fen(txn.amount)}

    def _pay(self, body: dict[str, Any]) -> dict[str, Any]:
        from ..models import SandboxTransaction

        out_trade_no = str(body.get("out_trade_no", ""))[:120]
        code = str(body.get("auth_code", ""))
        with transaction.atomic():
            txn = SandboxTransaction.objects.filter(out_trade_no=out_trade_no).first()
            if txn is None:
                now = clock.now()
                status = (
                    "declined"
                    if code.endswith("0000") or not code
                    else "user_paying"
                    if code.endswith("9999")
                    else "success"
                )
                txn = SandboxTransaction.objects.create(  # type: ignore[misc]  # MoneyField takes Decimal
                    txn_id=_id("SBX", out_trade_no),
                    out_trade_no=out_trade_no,
                    kind=str(body.get("kind", ""))[:20],
                    amount=from_fen(int(body.get("amount_fen", 0))),
                    status=status,
                    created_at=now,
                    paid_at=now if status == "success" else None,
                )
        answer = self._answer(txn)
        if txn.status == "declined":
            answer["message"] = "payment code declined"
        return answer

    def _refund(self, body: dict[str, Any]) -> dict[str, Any]:
        from ..models import SandboxTransaction

        amount = from_fen(int(body.get("amount_fen", 0)))
        with transaction.atomic():
            txn = (
                SandboxTransaction.objects.select_for_update()
                .filter(txn_id=str(body.get("txn_id", "")))
                .first()
            )
            if txn is None or txn.status != "success" or txn.refunded + amount > txn.amount:
                return {"result": DECLINED, "message": "refund refused"}
            txn.refunded += amount
            txn.save(update_fields=["refunded"])
        return {"result": SUCCESS, "txn_id": _id("SBXR", str(body.get("out_refund_no", "")))}

    def _query(self, body: dict[str, Any]) -> dict[str, Any]:
        from ..models import SandboxTransaction

        txn = SandboxTransaction.objects.filter(txn_id=str(body.get("txn_id", ""))).first()
        return self._answer(txn) if txn else {"result": DECLINED, "message": "unknown txn"}

    def confirm(self, txn_id: str) -> signing.SignedMessage:
        """The customer confirms on the phone: mark paid and emit the signed notification the
        gateway would POST to ``/api/v1/payments/notify/sandbox``."""
        from ..models import SandboxTransaction

        with transaction.atomic():
            txn = SandboxTransaction.objects.select_for_update().get(txn_id=txn_id)
            if txn.status == "user_paying":
                txn.status, txn.paid_at = "success", clock.now()
                txn.save(update_fields=["status", "paid_at"])
        return signing.make(
            {
                "event": "payment.success" if txn.status == "success" else "payment.failed",
                "txn_id": txn.txn_id,
                "out_trade_no": txn.out_trade_no,
                "amount_fen": to_fen(txn.amount),
            }
        )

    def settlement(self, day: dt.date) -> list[SettlementRow]:
        from ..models import SandboxTransaction

        start, end = clock.business_day_bounds(day)
        rows = SandboxTransaction.objects.filter(
            status="success", paid_at__gte=start, paid_at__lt=end
        ).order_by("paid_at", "pk")
        return [SettlementRow(t.txn_id, t.amount, quantize(t.amount * FEE_RATE)) for t in rows]


GATEWAY = SandboxGateway()


class SandboxProvider:
    """Our client of the sandbox gateway (used for wechat, alipay and unionpay by default)."""

    name = "sandbox"
    channel = "sandbox-client"

    def _call(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = GATEWAY.handle(signing.make(body))
        return signing.verify(answer, channel=self.channel)

    def _result(self, answer: dict[str, Any]) -> ProviderResult:
        outcome = {SUCCESS: Outcome.CAPTURED, USERPAYING: Outcome.PENDING}.get(
            str(answer.get("result")), Outcome.DECLINED
        )
        return ProviderResult(
            outcome, str(answer.get("txn_id", "")), str(answer.get("message", "")), answer
        )

    def charge(self, request: ChargeRequest) -> ProviderResult:
        return self._result(
            self._call(
                {
                    "op": "pay",
                    "out_trade_no": request.reference,
                    "kind": request.kind,
                    "amount_fen": to_fen(request.amount),
                    "auth_code": request.auth_code,
                }
            )
        )

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult:
        return self._result(
            self._call(
                {
                    "op": "refund",
                    "txn_id": txn_id,
                    "out_refund_no": reference,
                    "amount_fen": to_fen(amount),
                }
            )
        )

    def query(self, txn_id: str) -> ProviderResult:
        return self._result(self._call({"op": "query", "txn_id": txn_id}))

    def settlement(self, day: dt.date) -> list[SettlementRow]:
        return GATEWAY.settlement(day)
