"""Stable error codes of the members domain (clients branch on these strings)."""

from __future__ import annotations

from enum import StrEnum


class MemberError(StrEnum):
    INVALID_PHONE = "members.invalid_phone"
    DUPLICATE_MEMBER = "members.duplicate_member"
    MEMBER_NOT_FOUND = "members.member_not_found"
    PHONE_IN_URL = "members.phone_in_url"
    MEMBER_INACTIVE = "members.member_inactive"
    QR_INVALID = "members.qr_invalid"
    QR_EXPIRED = "members.qr_expired"
    CONSENT_REQUIRED = "members.consent_required"
    INVALID_POINTS = "members.invalid_points"
    INSUFFICIENT_POINTS = "members.insufficient_points"
    POINTS_EXPIRED = "members.points_expired"
    REFERENCE_REUSED = "members.reference_reused"
    SALE_NOT_FOUND = "members.sale_not_found"
    RETURN_EXCEEDS_SALE = "members.return_exceeds_sale"
    INVALID_AMOUNT = "members.invalid_amount"
    INSUFFICIENT_BALANCE = "members.insufficient_balance"
    REFUND_EXCEEDS_SPEND = "members.refund_exceeds_spend"
    ACCOUNT_NOT_FOUND = "members.account_not_found"
    CANNOT_MERGE = "members.cannot_merge"
    UNKNOWN_BRAND = "members.unknown_brand"
    NO_LINKED_MEMBER = "members.no_linked_member"
    ENCRYPTION_KEY = "members.encryption_key"
    ALREADY_LINKED = "members.already_linked"
    CLAIM_FAILED = "members.claim_failed"
