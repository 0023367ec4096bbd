"""API shapes of orders. Money travels as decimal strings in yuan ("28.00"), like the
promotions API; times as ISO date-times with offset."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

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
    # Coupon codes to price with and redeem (at most 5, as the promotions engine allows).
    # Price overrides and manual discounts are not taken here: they need a supervisor's
    # approval at the till (POS passes them to the service directly).
    coupon_codes: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=5
    )


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
    fulfilled_quantity: int

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
    paid_at: dt.datetime | None
    sla_due_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    split_group: str

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


# --- Routing, fulfilment, delivery, SLA, notifications -----------------------------------------


class OrderRoutedIn(InputSchema):
    """An online order routed to a location: ``store_id`` is the customer's chosen store."""

    store_id: int = Field(ge=1, le=2**62)
    channel: Literal["online", "phone", "group", "marketplace"] = "online"
    fulfilment_mode: Literal["pickup", "ship", "delivery"]
    reference: str = Ref
    member_id: int | None = Field(None, ge=1, le=2**62)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    allow_split: bool = False
    deliver_from: dt.datetime | None = None
    deliver_by: dt.datetime | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class OrderRoutedOut(Schema):
    orders: list[OrderOut]


class OrderPickedLineIn(InputSchema):
    line_no: int = Field(ge=1, le=200)
    quantity: int = Field(ge=0, le=10_000)


class OrderShipmentIn(InputSchema):
    carrier: str = Field(min_length=2, max_length=10)
    tracking_number: str = Field(min_length=6, max_length=40)
    picked: list[OrderPickedLineIn] | None = Field(None, max_length=200)


class OrderDispatchIn(InputSchema):
    picked: list[OrderPickedLineIn] | None = Field(None, max_length=200)


class OrderScanIn(InputSchema):
    status: Literal["in_transit", "delivered", "exception"]
    description: str = Field("", max_length=200)
    place: str = Field("", max_length=100)


class OrderShipmentEventOut(Schema):
    at: dt.datetime
    status: str
    description: str
    place: str


class OrderShipmentOut(Schema):
    id: int
    order_id: int
    carrier: str
    tracking_number: str
    status: str
    created_at: dt.datetime
    events: list[OrderShipmentEventOut]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.order_by("at", "pk"))


class OrderCourierIn(InputSchema):
    store_id: int = Field(ge=1, le=2**62)
    name: str = Field(min_length=1, max_length=60)
    capacity: int = Field(20, ge=1, le=1000)


class OrderCourierOut(Schema):
    id: int
    store_id: int
    name: str
    capacity: int
    is_active: bool


class OrderDeliveryPlanIn(InputSchema):
    store_id: int = Field(ge=1, le=2**62)
    time_limit_s: float = Field(2.0, ge=0.1, le=10)


class OrderStopOut(Schema):
    sequence: int
    order_id: int
    eta: dt.datetime


class OrderRouteOut(Schema):
    id: int
    courier_id: int
    courier_name: str
    distance_m: int
    duration_s: int
    load: int
    dispatched_at: dt.datetime | None
    stops: list[OrderStopOut]

    @staticmethod
    def resolve_courier_name(obj: Any) -> str:
        return str(obj.courier.name)

    @staticmethod
    def resolve_stops(obj: Any) -> list[Any]:
        return list(obj.stops.order_by("sequence"))


class OrderDeliveryPlanOut(Schema):
    routes: list[OrderRouteOut]
    dropped_order_ids: list[int]


class OrderSlaPolicyIn(InputSchema):
    store_id: int = Field(ge=1, le=2**62)
    fulfilment_mode: Literal["pickup", "ship", "delivery"]
    minutes: int = Field(ge=1, le=10_080)


class OrderSlaPolicyOut(Schema):
    store_id: int
    fulfilment_mode: str
    minutes: int


class OrderSlaRowOut(Schema):
    store_id: int
    store_code: str
    store_name: str
    promised: int
    on_time: int
    late: int
    open_overdue: int
    on_time_rate: float | None
    median_minutes: float | None
    p90_minutes: float | None


class OrderSlaReportOut(Schema):
    start: dt.date
    end: dt.date
    stores: list[OrderSlaRowOut]


class OrderNotificationOut(Schema):
    id: int
    channel: str
    template: str
    language: str
    order_id: int | None
    subject: str
    body: str
    status: str
    created_at: dt.datetime
