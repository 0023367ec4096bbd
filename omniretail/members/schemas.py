"""API schemas of the members domain. Money leaves as integer fen (``*_fen``), like inventory."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.schemas import InputSchema

Reference = Field(min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")
Phone = Field(min_length=1, max_length=20)
Purpose = Literal["marketing", "analytics", "third_party"]


class LookupIn(InputSchema):
    """Who to find: one of a phone number, a member code or a scanned QR payload. In the body,
    never the URL — a phone number in a query string lands in access logs and proxies."""

    phone: str | None = Field(None, min_length=1, max_length=30)
    code: str | None = Field(None, min_length=1, max_length=20)
    qr: str | None = Field(None, min_length=1, max_length=2000)


class TierOut(Schema):
    code: str
    name: str
    name_en: str
    rank: int
    threshold_fen: int
    discount_bp: int
    points_multiplier_pct: int
    birthday_gift: str
    free_delivery: bool


class TierProgressOut(Schema):
    tier: TierOut
    review_on: dt.date
    rolling_spend_fen: int
    next_tier: TierOut | None
    to_next_fen: int | None


class MemberOut(Schema):
    id: int
    code: str
    brand_id: int
    status: str
    phone_masked: str
    name_masked: str
    phone: str | None = None
    name: str | None = None
    birthday: dt.date | None = None
    tier: TierOut
    tier_review_on: dt.date
    points_balance: int
    stored_value_fen: int
    registered_channel: str
    registered_at: dt.datetime


class UnmaskOut(Schema):
    phone: str
    name: str


class UnmaskIn(InputSchema):
    reason: str = Field(default="", max_length=200)


class QrOut(Schema):
    payload: str
    max_age_s: int


class ConsentsIn(InputSchema):
    marketing: bool | None = None
    analytics: bool | None = None
    third_party: bool | None = None


class RegisterIn(InputSchema):
    phone: str = Phone
    name: str = Field(default="", max_length=50)
    birthday: dt.date | None = None
    channel: Literal["pos", "online", "marketplace"] = "pos"
    store_id: int | None = Field(default=None, ge=1, le=2**62)
    brand_id: int | None = Field(default=None, ge=1, le=2**62)
    consents: ConsentsIn = Field(default_factory=ConsentsIn)
    policy_version: str | None = Field(default=None, min_length=1, max_length=20)


class PointsEntryOut(Schema):
    id: int
    kind: str
    points: int
    balance_after: int
    remaining: int
    expires_on: dt.date | None
    reference: str
    note: str
    created_at: dt.datetime


class PointsPage(Schema):
    items: list[PointsEntryOut]
    next_cursor: str | None
    balance: int
    available: int


class AdjustIn(InputSchema):
    points: int = Field(ge=-(10**9), le=10**9)
    reason: str = Field(min_length=1, max_length=200)
    reference: str = Field(default="", max_length=100, pattern=r"^[\w.:/-]*$")


class StoredValueEntryOut(Schema):
    id: int
    account_number: str
    kind: str
    amount_fen: int
    balance_after_fen: int
    reference: str
    created_at: dt.datetime


class StoredValueAccountOut(Schema):
    id: int
    number: str
    kind: str
    balance_fen: int


class StoredValueOut(Schema):
    accounts: list[StoredValueAccountOut]
    balance_fen: int
    entries: list[StoredValueEntryOut]


class TopUpIn(InputSchema):
    amount_fen: int = Field(ge=1, le=10**11)
    reference: str = Reference
    store_id: int | None = Field(default=None, ge=1, le=2**62)


class ConsentOut(Schema):
    purpose: str
    granted: bool
    policy_version: str
    channel: str
    at: dt.datetime


class ConsentIn(InputSchema):
    purpose: Purpose
    granted: bool
    policy_version: str | None = Field(default=None, min_length=1, max_length=20)


class MemberMergeIn(InputSchema):
    source_id: int = Field(ge=1, le=2**62)
    reason: str = Field(default="", max_length=200)


class DeleteOut(Schema):
    id: int
    code: str
    status: str


class MemberCouponOut(Schema):
    code: str
    name: str
    kind: str
    channels: list[str]
    valid_from: dt.datetime
    valid_until: dt.datetime
    uses_left: int
    state: Literal["usable", "used", "expired", "revoked", "not_started"]
