"""API shapes of the till. Money travels as decimal strings in yuan ("28.00")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.schemas import InputSchema

Id = Field(ge=1, le=2**62)
Money = Field(ge=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2)
TenderKind = Literal["cash", "card", "wechat", "alipay", "unionpay", "stored_value"]


class AppliedPromotionOut(Schema):
    key: str
    name: str
    amount: str


class ScanOut(Schema):
    sku_id: int
    sku_code: str
    name: str
    barcode: str
    quantity: int
    unit_price: str
    list_amount: str
    discount: str
    net: str
    promotions: list[AppliedPromotionOut]
    available: int | None
    sellable: bool
    age_check_required: bool
    reasons: list[str]


class RegisterOut(Schema):
    id: int
    store_id: int
    code: str
    name: str
    open_shift_id: int | None = None


class OpenShiftIn(InputSchema):
    opening_float: Decimal = Money


class CashIn(InputSchema):
    kind: Literal["cash_in", "cash_out"]
    amount: Decimal = Field(gt=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2)
    reason: str = Field("", max_length=200)


class CloseShiftIn(InputSchema):
    counted_cash: Decimal = Money


class ShiftOut(Schema):
    id: int
    register_id: int
    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    opening_float: str
    expected_cash: str | None
    counted_cash: str | None
    variance: str | None


class ReportOut(Schema):
    shift_id: int
    register_id: int
    status: str
    opening_float: str
    cash_in: str
    cash_out: str
    cash_sales: str
    change_given: str
    cash_refunds: str
    expected_cash: str
    counted_cash: str | None
    variance: str | None
    sales_count: int
    sales_total: str
    tenders: dict[str, str]


class ZReportOut(Schema):
    number: str
    register_id: int
    shift_id: int
    business_day: dt.date
    created_at: dt.datetime
    totals: dict[str, Any]


class EndOfDayOut(Schema):
    store_id: int
    business_day: dt.date
    z_reports: list[str]
    sales_count: int
    sales_total: str
    cash_sales: str
    change_given: str
    cash_in: str
    cash_out: str
    variance: str
    tenders: dict[str, str]
    open_shifts: int


class CheckoutLineIn(InputSchema):
    sku_id: int = Id
    quantity: int = Field(ge=1, le=10_000)


class TenderInSchema(InputSchema):
    kind: TenderKind
    amount: Decimal = Field(gt=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2)
    auth_code: str = Field("", max_length=64)
    tendered: Decimal | None = Field(
        None, gt=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2
    )
    member_id: int | None = Field(None, ge=1, le=2**62)


class CheckoutIn(InputSchema):
    store_id: int = Id
    register_id: int = Id
    shift_id: int = Id
    lines: list[CheckoutLineIn] = Field(min_length=1, max_length=200)
    member_id: int | None = Field(None, ge=1, le=2**62)
    tenders: list[TenderInSchema] = Field(min_length=1, max_length=10)
    reference: str = Field(min_length=1, max_length=80, pattern=r"^[\w.:/-]+$")
    age_verified: bool = False


class CheckoutOut(Schema):
    receipt_id: int
    order_id: int
    order_number: str
    list_total: str
    discount_total: str
    total: str
    paid_total: str
    change_due: str
    replayed: bool


class PosRefundLineIn(InputSchema):
    order_line_id: int = Field(ge=1, le=2**62)
    quantity: int = Field(ge=1, le=10_000)


class PosRefundIn(InputSchema):
    receipt: str = Field(min_length=1, max_length=80)
    lines: list[PosRefundLineIn] = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.:-]+$")
    supervisor: str = Field(min_length=1, max_length=150)
    pin: str = Field(min_length=1, max_length=20)
    reason: str = Field("", max_length=200)
    with_receipt: bool = True


class PosRefundOut(Schema):
    id: int
    order_number: str
    amount: str
    cash_amount: str
    with_receipt: bool


class PosFapiaoIn(InputSchema):
    kind: str = Field(pattern=r"^(personal|company)$")
    title: str = Field(min_length=1, max_length=100)
    tax_id: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class PosFapiaoOut(Schema):
    sale_id: int
    kind: str
    title: str
    tax_id: str
    email: str
