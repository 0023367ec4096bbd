"""Stable error codes of the inventory domain (clients branch on these strings)."""

from __future__ import annotations

from enum import StrEnum


class InventoryError(StrEnum):
    INVALID_QUANTITY = "inventory.invalid_quantity"
    UNKNOWN_SKU = "inventory.unknown_sku"
    UNKNOWN_LOCATION = "inventory.unknown_location"
    UNKNOWN_BATCH = "inventory.unknown_batch"
    BATCH_REQUIRED = "inventory.batch_required"
    BATCH_MISMATCH = "inventory.batch_mismatch"
    INSUFFICIENT_STOCK = "inventory.insufficient_stock"
    EXPIRED_STOCK = "inventory.expired_stock"
    ONLINE_EXCLUDED = "inventory.online_excluded"
    RESERVATION_NOT_FOUND = "inventory.reservation_not_found"
    RESERVATION_CLOSED = "inventory.reservation_closed"
    REFERENCE_REUSED = "inventory.reference_reused"
    ILLEGAL_TRANSITION = "inventory.illegal_transition"
    SAME_LOCATION = "inventory.same_location"
    DISCREPANCY_NOTE_REQUIRED = "inventory.discrepancy_note_required"
    TRANSFER_NOT_FOUND = "inventory.transfer_not_found"
    COUNT_NOT_FOUND = "inventory.count_not_found"
    UNKNOWN_EPC = "inventory.unknown_epc"
    INVALID_POLICY = "inventory.invalid_policy"
