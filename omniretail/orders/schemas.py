"""API shapes of orders. Money travels as decimal strings in yuan ("28.00"), like the
promotions API; times as ISO date-times with offset."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.schemas import InputSchema

Ref = Field(min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")
Channel = Literal["pos", "online", "marketplace", "phone", "group"]
Mode = Literal["pos_carry_out", "pickup", "ship", "delivery"]


class LineIn(InputSchema):
    sku_id: int = Field(ge=1, le=2**62)
    quantity: int = Field(ge=1, le=10_000)


class OrderIn(InputSchema):
    store_id: int = Field(ge=1, le=2**62)
    channel: Channel
    fulfilment_mode: Mode
    reference: str = Ref
    member_id: int | None = Field(None, ge=1, le=2**62)
    location_id: int | None = Field(None, ge=1, le=2**62)
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class NoteIn(InputSchema):
    note: str = Field("", max_length=300)


class PickupIn(InputSchema):
    store_id: int = Field(ge=1, le=2**62)
    code: str = Field(min_length=6, max_length=300)
    id_checked: bool = False


class LineOut(Schema):
    line_no: int
    sku_id: int
    sku_code: str
    quantity: int
    unit_price: str
    discount: str
    net: str
    allocations: dict[str, str]
    in_store_purchase: bool

    @staticmethod
    def resolve_sku_code(obj: Any) -> str:
        return str(obj.sku.code)

    @staticmethod
    def resolve_unit_price(obj: Any) -> str:
        return str(obj.unit_price)

    @staticmethod
    def resolve_discount(obj: Any) -> str:
        return str(obj.discount)

    @staticmethod
    def resolve_net(obj: Any) -> str:
        return str(obj.net)


class EventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    at: dt.datetime
    actor_label: str
    device: str
    note: str


class OrderSummaryOut(Schema):
    id: int
    number: str
    channel: str
    store_id: int
    store_code: str
    location_id: int
    member_id: int | None
    fulfilment_mode: str
    status: str
    list_total: str
    discount_total: str
    total: str
    external_order_id: str
    reference: str
    created_at: dt.datetime
    updated_at: dt.datetime
    ready_at: dt.datetime | None

    @staticmethod
    def resolve_store_code(obj: Any) -> str:
        return str(obj.store.code)

    @staticmethod
    def resolve_list_total(obj: Any) -> str:
        return str(obj.list_total)

    @staticmethod
    def resolve_discount_total(obj: Any) -> str:
        return str(obj.discount_total)

    @staticmethod
    def resolve_total(obj: Any) -> str:
        return str(obj.total)


class OrderOut(OrderSummaryOut):
    pickup_code: str
    pickup_qr: str | None
    lines: list[LineOut]
    events: list[EventOut]

    @staticmethod
    def resolve_pickup_qr(obj: Any) -> str | None:
        from .pickup import qr_payload

        return qr_payload(obj) if obj.pickup_code else None

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.select_related("sku").order_by("line_no"))

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.order_by("at", "pk"))


class OrderPage(Schema):
    items: list[OrderSummaryOut]
    next_cursor: str | None


class ImportLineIn(InputSchema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=10_000)


class ImportRowIn(InputSchema):
    external_order_id: str = Field(min_length=1, max_length=64)
    store_code: str = Field(min_length=1, max_length=20)
    fulfilment_mode: Literal["ship", "delivery", "pickup"] = "ship"
    lines: list[ImportLineIn] = Field(min_length=1, max_length=200)


class ImportIn(InputSchema):
    channel: Literal["marketplace", "group"] = "marketplace"
    rows: list[ImportRowIn] = Field(min_length=1, max_length=1000)


class ImportRowOut(Schema):
    row: int
    external_order_id: str
    outcome: str
    order_number: str
    code: str
    message: str


class MarketplaceImportOut(Schema):
    created: int
    duplicates: int
    errors: int
    rows: list[ImportRowOut]


class ReturnLineIn(InputSchema):
    line_id: int = Field(ge=1, le=2**62)
    quantity: int = Field(ge=1, le=10_000)


class ReturnIn(InputSchema):
    store_id: int = Field(ge=1, le=2**62)
    reference: str = Ref
    reason: str = Field("", max_length=300)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=200)


class ReturnLineOut(Schema):
    line_id: int
    quantity: int
    net: str

    @staticmethod
    def resolve_line_id(obj: Any) -> int:
        return int(obj.order_line_id)

    @staticmethod
    def resolve_net(obj: Any) -> str:
        return str(obj.net)


class ReturnOut(Schema):
    id: int
    order_id: int
    store_id: int
    reference: str
    reason: str
    amount: str
    refunded: str
    refund_due: str
    points_reversed: int
    created_at: dt.datetime
    lines: list[ReturnLineOut]

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_refunded(obj: Any) -> str:
        return str(obj.refunded)

    @staticmethod
    def resolve_refund_due(obj: Any) -> str:
        return str(obj.refund_due)

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.order_by("pk"))
