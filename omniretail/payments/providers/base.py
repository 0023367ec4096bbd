"""The one provider interface every tender goes through.

A provider takes money (``charge``), gives it back (``refund``) and answers "what happened to
this transaction" (``query``). It never touches our Payment rows: services record a pending
payment, call the provider outside any transaction, then confirm — so a slow gateway never
holds a database lock.

Plugging in a real gateway (WeChat Pay v3, Alipay open platform): write a class with these
three methods that maps ``ChargeRequest`` to the gateway's micropay / trade.pay call (the
付款码 is ``auth_code``, our ``reference`` is ``out_trade_no``), verifies the gateway's
signature on answers and notifications (WeChat v3: RSA-SHA256 with the platform certificate
over "timestamp\\nnonce\\nbody\\n", body AES-GCM encrypted; Alipay: RSA2 over sorted params),
and name it in ``settings.PAYMENTS_PROVIDERS`` for the tender kind. Nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


def ledger_key(prefix: str, reference: str) -> str:
    """The idempotency key a wallet provider writes on the member's ledger for ``reference``
    (hashed so a long payment reference fits the ledger's reference column)."""
    return prefix + hashlib.sha256(reference.encode()).hexdigest()[:40]


class Outcome:
    CAPTURED = "captured"
    PENDING = "pending"  # the customer is confirming on the phone; a notification follows
    DECLINED = "declined"


@dataclass(frozen=True)
class ChargeRequest:
    reference: str  # our payment reference: the provider's idempotency key (out_trade_no)
    kind: str
    amount: Decimal
    auth_code: str = ""
    member_id: int | None = None
    store_id: int | None = None


@dataclass(frozen=True)
class ProviderResult:
    outcome: str
    txn_id: str = ""
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SettlementRow:
    txn_id: str
    amount: Decimal
    fee: Decimal


class Provider(Protocol):
    name: str

    def charge(self, request: ChargeRequest) -> ProviderResult: ...

    def refund(
        self, *, txn_id: str, amount: Decimal, reference: str, original_reference: str
    ) -> ProviderResult: ...

    def query(self, txn_id: str) -> ProviderResult: ...


class SettlesDaily(Protocol):
    def settlement(self, day: dt.date) -> list[SettlementRow]: ...
