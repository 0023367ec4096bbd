"""analytics API schemas (names prefixed with Analytics: schema names are unique API-wide)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from omniretail.core.schemas import InputSchema


class AnalyticsMetricOut(Schema):
    code: str
    label: str
    unit: str
    higher_is_better: bool
    dimensions: list[str]


class AnalyticsPointOut(Schema):
    key: str | None
    label: str
    value: Decimal | None
    previous: Decimal | None = None
    last_year: Decimal | None = None


class AnalyticsSeriesOut(Schema):
    metric: str
    unit: str
    dimension: str | None
    start: dt.date
    end: dt.date
    data_as_of: dt.datetime | None
    points: list[AnalyticsPointOut]


class AnalyticsKpiOut(Schema):
    code: str
    label: str
    unit: str
    value: Decimal | None
    previous: Decimal | None
    last_year: Decimal | None
    vs_previous: Decimal | None
    vs_last_year: Decimal | None


class AnalyticsKpisOut(Schema):
    start: dt.date
    end: dt.date
    data_as_of: dt.datetime | None
    kpis: list[AnalyticsKpiOut]


class AnalyticsRuleOut(Schema):
    antecedent: list[str]
    consequent: str
    support: float
    confidence: float
    lift: float


class AnalyticsBasketOut(Schema):
    transactions: int
    rule_count: int
    truncated: bool
    rules: list[AnalyticsRuleOut]


class AnalyticsSegmentOut(Schema):
    code: str
    label: str
    members: int
    monetary: Decimal


class AnalyticsAlertOut(Schema):
    id: int
    kind: str
    store_id: int | None
    day: dt.date
    metric: str
    value: float | None
    baseline: float | None
    message: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None


class AnalyticsSubscriptionIn(InputSchema):
    report: str = Field(max_length=20)
    format: str = Field(max_length=5)
    frequency: str = Field(max_length=10)
    recipients: list[str] = Field(min_length=1, max_length=20)
    store_id: int | None = None
    language: str = Field(default="zh-hans", max_length=10)


class AnalyticsSubscriptionOut(Schema):
    id: int
    report: str
    format: str
    frequency: str
    recipients: list[Any]
    store_id: int | None
