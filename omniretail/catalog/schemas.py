"""API shapes of the catalog."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from omniretail.core.schemas import InputSchema


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    parent_id: int | None
    path: str
    depth: int
    sort_order: int


class CategoryIn(InputSchema):
    code: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    parent_id: int | None = None
    sort_order: int = Field(default=0, ge=-100000, le=100000)


class MoveIn(InputSchema):
    parent_id: int | None = None


class MergeIn(InputSchema):
    target_id: int


class ReorderIn(InputSchema):
    parent_id: int | None = None
    ordered_ids: list[int] = Field(max_length=1000)


class ProductBrandOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class ProductIn(InputSchema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    category_id: int
    product_brand_id: int | None = None
    description: str = Field(default="", max_length=5000)
    description_en: str = Field(default="", max_length=5000)


class ProductOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    category_id: int
    product_brand_id: int | None
    description: str
    description_en: str
    status: str


class BarcodeIn(InputSchema):
    code: str | None = Field(default=None, min_length=8, max_length=14, pattern=r"^\d+$")
    pack_quantity: int = Field(default=1, ge=1, le=10000)
    is_primary: bool = False


class BarcodeOut(Schema):
    code: str
    kind: str
    pack_quantity: int
    is_primary: bool


class SkuIn(InputSchema):
    product_id: int
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str = Field(default="", max_length=200)
    name_en: str = Field(default="", max_length=250)
    short_name: str = Field(default="", max_length=60)
    spec: str = Field(default="", max_length=100)
    uom: str = Field(default="piece", max_length=20)
    tracks_batches: bool = False
    shelf_life_days: int | None = Field(default=None, ge=1, le=36500)
    attributes: dict[str, Any] = Field(default_factory=dict)
    barcodes: list[BarcodeIn] = Field(default_factory=list, max_length=20)


class SkuPatch(InputSchema):
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=250)
    name_en: str | None = Field(default=None, max_length=250)
    short_name: str | None = Field(default=None, max_length=60)
    spec: str | None = Field(default=None, max_length=100)
    uom: str | None = Field(default=None, max_length=20)
    tracks_batches: bool | None = None
    shelf_life_days: int | None = Field(default=None, ge=1, le=36500)
    attributes: dict[str, Any] | None = None


class SkuOut(Schema):
    id: int
    code: str
    product_id: int
    name: str
    name_en: str
    short_name: str
    spec: str
    uom: str
    status: str
    tracks_batches: bool
    shelf_life_days: int | None
    attributes: dict[str, Any]
    barcodes: list[BarcodeOut]

    @staticmethod
    def resolve_barcodes(obj: Any) -> list[Any]:
        return list(obj.barcodes.all())


class SkuPage(Schema):
    items: list[SkuOut]
    next_cursor: str | None


class StatusIn(InputSchema):
    status: str = Field(max_length=20)
    effective_at: dt.datetime | None = None
    reason: str = Field(default="", max_length=200)


class LifecycleOut(Schema):
    id: int
    from_status: str
    to_status: str
    effective_at: dt.datetime
    applied_at: dt.datetime | None


class PriceIn(InputSchema):
    kind: str = Field(pattern=r"^(list|member|cost)$")
    amount: Decimal = Field(max_digits=12, decimal_places=2)
    channel: str = Field(default="", pattern=r"^(|pos|online|marketplace)$")
    store_id: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    reason: str = Field(default="", max_length=200)


class PriceOut(Schema):
    id: int
    kind: str
    amount: Decimal
    channel: str
    store_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    reason: str
    actor_label: str
    created_at: dt.datetime


class SellableOut(Schema):
    sellable: bool
    channel: str
    requires_age_check: bool
    min_age: int | None
    display_allowed: bool
    reasons: list[str]
    codes: list[str]


class RestrictionIn(InputSchema):
    kind: str = Field(pattern=r"^(not_sellable|age_check)$")
    category_id: int | None = None
    sku_id: int | None = None
    channel: str = Field(default="", pattern=r"^(|pos|online|marketplace)$")
    min_age: int = Field(default=18, ge=1, le=99)
    display_allowed: bool = True
    note: str = Field(default="", max_length=200)


class RestrictionOut(Schema):
    id: int
    kind: str
    category_id: int | None
    sku_id: int | None
    channel: str
    min_age: int
    display_allowed: bool
    note: str


class LabelOut(Schema):
    sku_id: int
    sku_code: str
    name: str
    short_name: str
    spec: str
    uom: str
    list_price: Decimal | None
    member_price: Decimal | None
    changed_at: dt.datetime


class LabelFeed(Schema):
    items: list[LabelOut]
    cursor: str | None


class MediaOut(Schema):
    id: int
    kind: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    url: str
    thumbnail_url: str | None

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return str(obj.file.url)

    @staticmethod
    def resolve_thumbnail_url(obj: Any) -> str | None:
        return str(obj.thumbnail.url) if obj.thumbnail else None


class ImportRowError(Schema):
    row: int
    sku_code: str
    field: str
    code: str
    message: str


class ImportOut(Schema):
    dry_run: bool
    applied: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    error: int
    not_applied: int
    would_create: int
    would_update: int
    errors: list[ImportRowError]
