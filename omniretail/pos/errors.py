"""Stable error codes of the till (clients branch on these; people read the message)."""

from __future__ import annotations

from enum import StrEnum


class PosError(StrEnum):
    UNKNOWN_STORE = "pos_unknown_store"
    UNKNOWN_REGISTER = "pos_unknown_register"
    UNKNOWN_SHIFT = "pos_unknown_shift"
    UNKNOWN_BARCODE = "pos_unknown_barcode"
    SHIFT_ALREADY_OPEN = "pos_shift_already_open"
    SHIFT_CLOSED = "pos_shift_closed"
    SHIFT_MISMATCH = "pos_shift_mismatch"
    INVALID_AMOUNT = "pos_invalid_amount"
    AGE_CHECK_REQUIRED = "pos_age_check_required"
    NOT_SELLABLE = "pos_sku_not_sellable"
    PAYMENT_FAILED = "pos_payment_failed"
    PAYMENTS_UNAVAILABLE = "pos_payments_unavailable"
    REFERENCE_REUSED = "pos_reference_reused"
    SUPERVISOR_PIN_INVALID = "pos_supervisor_pin_invalid"
    SUPERVISOR_PIN_LOCKED = "pos_supervisor_pin_locked"
    INVALID_PIN = "pos_invalid_pin"
    NOT_A_SUPERVISOR = "pos_not_a_supervisor"
    UNKNOWN_LINE = "pos_unknown_line"
    REASON_REQUIRED = "pos_reason_required"
    ADJUSTMENTS_UNSUPPORTED = "pos_adjustments_unsupported"
    UNKNOWN_RECEIPT = "pos_unknown_receipt"
    INVALID_REFUND = "pos_invalid_refund"
    INVALID_FAPIAO = "pos_invalid_fapiao"
