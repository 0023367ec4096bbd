"""API shapes of payments. Money travels as decimal strings in yuan ("28.00"), like orders."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.schemas import InputSchema

Ref = Field(min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")
Money = Field(pattern=r"^\d{1,8}(\.\d{1,2})?$")
Kind = Literal["cash", "card", "wechat", "alipay", "unionpay", "stored_value", "points"]


class TenderSchema(InputSchema):
    kind: Kind
    amount: str = Money
    auth_code: str = Field("", max_length=64)
    tendered: str | None = Field(None, pattern=r"^\d{1,8}(\.\d{1,2})?$")
    member_id: int | None = Field(None, ge=1, le=2**62)


class TakePaymentIn(InputSchema):
    reference: str = Ref
    tenders: list[TenderSchema] = Field(min_length=1, max_length=10)
    register_id: int | None = Field(None, ge=1, le=2**62)
    shift_id: int | None = Field(None, ge=1, le=2**62)


class PaymentResultOut(Schema):
    order_id: int
    status: str
    paid_total: str
    change_due: str
    payment_ids: list[int]
    failures: list[str]

    @staticmethod
    def resolve_paid_total(obj: Any) -> str:
        return str(obj.paid_total)

    @staticmethod
    def resolve_change_due(obj: Any) -> str:
        return str(obj.change_due)


class PaymentOut(Schema):
    id: int
    order_id: int
    kind: str
    amount: str
    refunded_amount: str
    change_due: str
    status: str
    provider: str
    provider_txn_id: str
    reference: str
    failure_reason: str
    created_at: dt.datetime
    captured_at: dt.datetime | None

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_refunded_amount(obj: Any) -> str:
        return str(obj.refunded_amount)

    @staticmethod
    def resolve_change_due(obj: Any) -> str:
        return str(obj.change_due)


class RefundIn(InputSchema):
    amount: str = Money
    reason: str = Field("", max_length=300)
    reference: str = Ref


class RefundOut(Schema):
    id: int
    payment_id: int
    amount: str
    status: str
    reference: str
    failure_reason: str

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)


class SettlementRowIn(InputSchema):
    txn_id: str = Field(min_length=1, max_length=64)
    amount: str = Money
    fee: str = Field("0", pattern=r"^\d{1,8}(\.\d{1,2})?$")


class ReconcileIn(InputSchema):
    provider: str = Field(min_length=1, max_length=30, pattern=r"^[a-z_]+$")
    day: dt.date
    rows: list[SettlementRowIn] | None = Field(None, max_length=100_000)


class MismatchOut(Schema):
    txn_id: str
    ours: str
    theirs: str


class ReconcileOut(Schema):
    provider: str
    day: dt.date
    clean: bool
    matched: list[str]
    missing_ours: list[str]
    missing_theirs: list[str]
    mismatches: list[MismatchOut]
    our_total: str
    their_total: str
    fees: str


class NotifyOut(Schema):
    code: str
    payment_id: int
    status: str


RuleCode = Literal[
    "velocity", "refund_no_receipt", "refund_ratio", "price_override", "amount_outlier"
]


class RiskFlagOut(Schema):
    id: int
    rule: str
    subject: str
    store_id: int | None
    observed: str
    threshold: str
    hits: int
    status: str
    detail: dict[str, Any]
    created_at: dt.datetime
    reviewed_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_observed(obj: Any) -> str:
        return str(obj.observed)

    @staticmethod
    def resolve_threshold(obj: Any) -> str:
        return str(obj.threshold)


class RiskReviewIn(InputSchema):
    status: Literal["cleared", "confirmed"]
    note: str = Field("", max_length=300)


class RiskRuleOut(Schema):
    code: str
    threshold: str
    window_minutes: int
    enabled: bool


class RiskRuleIn(InputSchema):
    threshold: str = Field(pattern=r"^\d{1,9}(\.\d{1,2})?$")
    window_minutes: int = Field(ge=0, le=60 * 24 * 90)
    enabled: bool = True


class SettlementImportIn(InputSchema):
    day: dt.date
    csv: str = Field(min_length=1, max_length=5_000_000)


class SettlementImportOut(Schema):
    provider: str
    rows: int
    days: list[dt.date]
