"""Stable error codes of the catalog domain (clients branch on these)."""

from __future__ import annotations

from enum import StrEnum


class CatalogError(StrEnum):
    INVALID_BARCODE = "catalog.invalid_barcode"
    DUPLICATE_BARCODE = "catalog.duplicate_barcode"
    DUPLICATE_CODE = "catalog.duplicate_code"
    CODE_IMMUTABLE = "catalog.code_immutable"
    NO_GS1_PREFIX = "catalog.no_gs1_prefix"
    UNKNOWN_ATTRIBUTE = "catalog.unknown_attribute"
    INVALID_ATTRIBUTE_VALUE = "catalog.invalid_attribute_value"
    MISSING_ATTRIBUTE = "catalog.missing_attribute"
    CATEGORY_CYCLE = "catalog.category_cycle"
    CATEGORY_BRAND_MISMATCH = "catalog.category_brand_mismatch"
    NEGATIVE_PRICE = "catalog.negative_price"
    INVALID_PERIOD = "catalog.invalid_period"
    INVALID_TRANSITION = "catalog.invalid_transition"
    NOT_SELLABLE = "catalog.not_sellable"
    MEDIA_TYPE = "catalog.media_type_not_allowed"
    MEDIA_TOO_LARGE = "catalog.media_too_large"
    IMPORT_INVALID = "catalog.import_invalid"
    IMPORT_FORMAT = "catalog.import_format"
    INVALID_RESTRICTION = "catalog.invalid_restriction"
    INVALID_ORDER = "catalog.invalid_order"
    INVALID_SORT = "catalog.invalid_sort"
