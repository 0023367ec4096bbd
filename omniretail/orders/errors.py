"""Stable error codes of the orders domain (clients branch on these, people read the message)."""

from __future__ import annotations

from enum import StrEnum


class OrderError(StrEnum):
    INVALID_TRANSITION = "order_invalid_transition"
    NOT_SELLABLE = "order_sku_not_sellable"
    EMPTY_ORDER = "order_empty"
    INVALID_LINE = "order_invalid_line"
    UNKNOWN_SKU = "order_unknown_sku"
    UNKNOWN_STORE = "order_unknown_store"
    UNKNOWN_LOCATION = "order_unknown_location"
    UNKNOWN_CHANNEL = "order_unknown_channel"
    INVALID_FULFILMENT = "order_invalid_fulfilment"
    REFERENCE_REUSED = "order_reference_reused"
    ORDER_NOT_FOUND = "order_not_found"
    PICKUP_CODE_INVALID = "order_pickup_code_invalid"
    PICKUP_NOT_READY = "order_pickup_not_ready"
    PICKUP_CODE_REQUIRED = "order_pickup_code_required"
    DUPLICATE_EXTERNAL_ID = "order_duplicate_external_id"
    NO_ROUTE = "order_no_fulfilling_location"
    ID_CHECK_REQUIRED = "order_id_check_required"
    INVALID_SHIPMENT = "order_invalid_shipment"
    NO_COURIER = "order_no_courier"
    NO_DELIVERY_POINT = "order_no_delivery_point"
    ROUTING_INFEASIBLE = "order_routing_infeasible"
