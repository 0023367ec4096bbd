"""Stable error codes of the analytics domain (clients branch on these, people read the message)."""

from __future__ import annotations

from enum import StrEnum


class AnalyticsError(StrEnum):
    UNKNOWN_METRIC = "analytics_unknown_metric"
    UNKNOWN_DIMENSION = "analytics_unknown_dimension"
    NOT_SLICEABLE = "analytics_metric_not_sliceable"
    REVERSED_RANGE = "analytics_reversed_range"
    RANGE_TOO_LONG = "analytics_range_too_long"
    UNKNOWN_FILTER = "analytics_unknown_filter"
    UNKNOWN_SEGMENT = "analytics_unknown_segment"
    UNKNOWN_REPORT = "analytics_unknown_report"
    UNKNOWN_FORMAT = "analytics_unknown_format"
    UNKNOWN_CHART = "analytics_unknown_chart"
    BAD_THRESHOLD = "analytics_bad_threshold"
    STORE_NOT_FOUND = "analytics_store_not_found"
    REGION_NOT_FOUND = "analytics_region_not_found"
    SKU_NOT_FOUND = "analytics_sku_not_found"
    ALERT_NOT_FOUND = "analytics_alert_not_found"
