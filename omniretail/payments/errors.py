"""Stable error codes of the payments domain (clients branch on these, people read the message)."""

from __future__ import annotations

from enum import StrEnum


class PaymentError(StrEnum):
    ORDER_NOT_PAYABLE = "payment_order_not_payable"
    NO_TENDERS = "payment_no_tenders"
    UNKNOWN_KIND = "payment_unknown_kind"
    INVALID_AMOUNT = "payment_invalid_amount"
    OVERPAYMENT = "payment_overpayment"
    TENDERED_TOO_LOW = "payment_tendered_too_low"
    INVALID_REFERENCE = "payment_invalid_reference"
    REFERENCE_REUSED = "payment_reference_reused"
    ORDER_NOT_FOUND = "payment_order_not_found"
    PAYMENT_NOT_FOUND = "payment_not_found"
    NOT_REFUNDABLE = "payment_not_refundable"
    REFUND_EXCEEDS_CAPTURED = "payment_refund_exceeds_captured"
    REFUND_FAILED = "payment_refund_failed"
    BAD_SIGNATURE = "payment_bad_signature"
    STALE_REQUEST = "payment_stale_request"
    REPLAYED_NONCE = "payment_replayed_nonce"
    MALFORMED_NOTIFICATION = "payment_malformed_notification"
    UNKNOWN_PROVIDER = "payment_unknown_provider"
    UNKNOWN_TRANSACTION = "payment_unknown_transaction"
    UNKNOWN_RISK_RULE = "payment_unknown_risk_rule"
    UNKNOWN_RISK_FLAG = "payment_unknown_risk_flag"
    INVALID_REVIEW = "payment_invalid_review"
    INVALID_SETTLEMENT_FILE = "payment_invalid_settlement_file"
