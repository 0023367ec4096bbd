"""Orders JSON API under /api/v1/orders/. Thin: parse, check scope, call a service.

Fixed paths (``/import``) are declared before ``/{order_id}`` so they are not shadowed.

Orders of stores outside the caller's scope answer 404 exactly like unknown ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core import clock
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Location, Store
from omniretail.core.pagination import keyset_page
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import delivery, fulfilment, importer, notify, pickup, returns, routing, services, sla
from .errors import OrderError
from .models import Courier, Order, OrderReturn, OrderStatus, Shipment
from .schemas import (
    ImportIn,
    MarketplaceImportOut,
    NoteIn,
    OrderCourierIn,
    OrderCourierOut,
    OrderDeliveryPlanIn,
    OrderDeliveryPlanOut,
    OrderDispatchIn,
    OrderIn,
    OrderNotificationOut,
    OrderOut,
    OrderPage,
    OrderRoutedIn,
    OrderRoutedOut,
    OrderRouteOut,
    OrderScanIn,
    OrderShipmentIn,
    OrderShipmentOut,
    OrderSlaPolicyIn,
    OrderSlaPolicyOut,
    OrderSlaReportOut,
    PickupIn,
    ReturnIn,
    ReturnOut,
)

router = Router(tags=["orders"])


def _stores(request: HttpRequest) -> frozenset[int]:
    return request.scope.store_ids  # type: ignore[attr-defined,no-any-return]


def _store(request: HttpRequest, store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id).first() if store_id in _stores(request) else None
    if store is None:
        raise NotFound(_("store"), code=OrderError.UNKNOWN_STORE)
    return store


def _order(request: HttpRequest, order_id: int) -> Order:
    return services.get_order(order_id, _stores(request))


@router.post("/", auth=access(Perm.ORDERS_CREATE), response={200: OrderOut, **WRITE_ERRORS})
def create_order(request: HttpRequest, body: OrderIn) -> Order:
    store = _store(request, body.store_id)
    location = None
    if body.location_id is not None:
        location = Location.objects.filter(pk=body.location_id, store=store).first()
        if location is None:
            raise NotFound(_("location"), code=OrderError.UNKNOWN_LOCATION)
    order = services.place_order(
        store=store,
        channel=body.channel,
        fulfilment_mode=body.fulfilment_mode,
        lines=[services.LineRequest(ln.sku_id, ln.quantity) for ln in body.lines],
        reference=body.reference,
        member_id=body.member_id,
        location=location,
        coupon_codes=body.coupon_codes,
    )
    return _order(request, order.pk)


@router.get("/", auth=access(Perm.ORDERS_VIEW), response={200: OrderPage, **READ_ERRORS})
def list_orders(
    request: HttpRequest,
    store_id: int | None = None,
    status: OrderStatus | None = None,
    channel: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    qs = Order.objects.select_related("store").filter(store_id__in=_stores(request))
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel[:20])
    rows, next_cursor = keyset_page(
        qs, ["-created_at", "-pk"], cursor=cursor, limit=limit, tag="orders"
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.post(
    "/import", auth=access(Perm.ORDERS_IMPORT), response={200: MarketplaceImportOut, **WRITE_ERRORS}
)
def import_orders(request: HttpRequest, body: ImportIn) -> importer.ImportReport:
    """Marketplace orders; each row reported (created, duplicate or error with its code)."""
    return importer.import_marketplace_orders(
        body.channel, [row.model_dump() for row in body.rows], store_ids=_stores(request)
    )


# --- Self-service: a customer's own orders (through the member linked to the account) -----


def _my_orders(request: HttpRequest) -> Any:
    from omniretail.members.selectors import linked_member

    member = linked_member(request.user, request.scope)  # type: ignore[attr-defined]
    return Order.objects.select_related("store").filter(member_id=member.pk)


@router.get("/me", auth=access(Perm.ORDERS_SELF), response={200: OrderPage, **READ_ERRORS})
def my_orders(request: HttpRequest, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    rows, next_cursor = keyset_page(
        _my_orders(request), ["-created_at", "-pk"], cursor=cursor, limit=limit, tag="my-orders"
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.get(
    "/me/{order_id}", auth=access(Perm.ORDERS_SELF), response={200: OrderOut, **READ_ERRORS}
)
def my_order(request: HttpRequest, order_id: int) -> Order:
    order = _my_orders(request).filter(pk=order_id).first() if 0 < order_id < 2**62 else None
    if order is None:
        raise NotFound(_("order"), code=OrderError.ORDER_NOT_FOUND)
    return order


# --- Routing, couriers, delivery plans, SLA, notifications (fixed paths first) -------------


@router.post(
    "/routed", auth=access(Perm.ORDERS_CREATE), response={200: OrderRoutedOut, **WRITE_ERRORS}
)
def create_routed_order(request: HttpRequest, body: OrderRoutedIn) -> dict[str, Any]:
    """Route an order to the best location (rules, availability, distance, load; split only
    when allowed) and reserve there; idempotent on ``reference``."""
    store = _store(request, body.store_id)
    window = None
    if body.deliver_from or body.deliver_by:
        start = _aware(body.deliver_from) or clock.now()
        end = _aware(body.deliver_by) or start + dt.timedelta(hours=4)
        if end <= start:
            raise ValidationFailed(OrderError.INVALID_LINE, _("The delivery window is empty."))
        window = (start, end)
    orders = routing.place_routed_order(
        store=store,
        channel=body.channel,
        fulfilment_mode=body.fulfilment_mode,
        lines=[services.LineRequest(ln.sku_id, ln.quantity) for ln in body.lines],
        reference=body.reference,
        member_id=body.member_id,
        latitude=body.latitude,
        longitude=body.longitude,
        allow_split=body.allow_split,
        window=window,
    )
    return {"orders": [services.get_order(o.pk) for o in orders]}


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


def _courier_store(request: HttpRequest, store_id: int) -> Store:
    store = (
        Store.objects.filter(pk=store_id).first() if store_id in _fulfil_stores(request) else None
    )
    if store is None:
        raise NotFound(_("store"), code=OrderError.UNKNOWN_STORE)
    return store


def _fulfil_stores(request: HttpRequest) -> frozenset[int]:
    return request.scope.store_ids  # type: ignore[attr-defined,no-any-return]


@router.get(
    "/couriers",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: list[OrderCourierOut], **READ_ERRORS},
)
def list_couriers(request: HttpRequest, store_id: int) -> list[Courier]:
    store = _courier_store(request, store_id)
    return list(Courier.objects.filter(store=store).order_by("name", "pk"))


@router.post(
    "/couriers", auth=access(Perm.ORDERS_MANAGE), response={200: OrderCourierOut, **WRITE_ERRORS}
)
def add_courier(request: HttpRequest, body: OrderCourierIn) -> Courier:
    store = _courier_store(request, body.store_id)
    return delivery.add_courier(store, body.name, body.capacity)


@router.post(
    "/delivery/plan",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderDeliveryPlanOut, **WRITE_ERRORS},
)
def plan_delivery(request: HttpRequest, body: OrderDeliveryPlanIn) -> dict[str, Any]:
    """Plan the store's waiting delivery orders over its couriers (OR-Tools, time windows,
    capacity); replaces earlier plans not yet dispatched."""
    store = _courier_store(request, body.store_id)
    routes, dropped = delivery.plan_deliveries(store, time_limit_s=body.time_limit_s)
    return {"routes": routes, "dropped_order_ids": dropped}


@router.get(
    "/delivery/routes",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: list[OrderRouteOut], **READ_ERRORS},
)
def list_routes(request: HttpRequest, store_id: int) -> list[Any]:
    store = _courier_store(request, store_id)
    return delivery.current_routes(store)


@router.post(
    "/delivery/routes/{route_id}/dispatch",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderRouteOut, **WRITE_ERRORS},
)
def dispatch_route(request: HttpRequest, route_id: int) -> Any:
    route = delivery.get_route(route_id, _fulfil_stores(request))
    return delivery.dispatch_route(route)


@router.get(
    "/sla/report", auth=access(Perm.ORDERS_VIEW), response={200: OrderSlaReportOut, **READ_ERRORS}
)
def sla_report(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    """Per store: orders paid in the period fulfilled on time or late, open overdue, median
    and 90th-percentile minutes from payment to ready/dispatched."""
    end = end or clock.today()
    start = start or end - dt.timedelta(days=6)
    if start > end or (end - start).days > 366 or start.year < 2000 or end.year > 2100:
        raise ValidationFailed(OrderError.INVALID_LINE, _("Choose a period of at most a year."))
    rows = sla.report(_stores(request), start, end)
    return {
        "start": start,
        "end": end,
        "stores": [{**r.__dict__, "on_time_rate": r.on_time_rate} for r in rows],
    }


@router.put(
    "/sla/policies",
    auth=access(Perm.ORDERS_MANAGE),
    response={200: OrderSlaPolicyOut, **WRITE_ERRORS},
)
def set_sla_policy(request: HttpRequest, body: OrderSlaPolicyIn) -> Any:
    store = _store(request, body.store_id)
    return sla.set_policy(store, body.fulfilment_mode, body.minutes)


@router.get(
    "/notifications",
    auth=access(Perm.ORDERS_VIEW),
    response={200: list[OrderNotificationOut], **READ_ERRORS},
)
def list_notifications(request: HttpRequest, limit: int = 50) -> list[Any]:
    """In-app messages of the caller's stores, newest first."""
    return notify.for_stores(_stores(request), limit=max(1, min(limit, 200)))


@router.post(
    "/shipments/{shipment_id}/scans",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderShipmentOut, **WRITE_ERRORS},
)
def scan_shipment(request: HttpRequest, shipment_id: int, body: OrderScanIn) -> Shipment:
    """A carrier scan; *delivered* completes the order."""
    shipment = (
        Shipment.objects.filter(pk=shipment_id, order__store_id__in=_stores(request)).first()
        if 0 < shipment_id < 2**62
        else None
    )
    if shipment is None:
        raise NotFound(_("shipment"), code=OrderError.INVALID_SHIPMENT)
    fulfilment.record_scan(shipment, body.status, description=body.description, place=body.place)
    shipment.refresh_from_db()
    return shipment


@router.get("/{order_id}", auth=access(Perm.ORDERS_VIEW), response={200: OrderOut, **READ_ERRORS})
def get_order(request: HttpRequest, order_id: int) -> Order:
    return _order(request, order_id)


def _act(request: HttpRequest, order_id: int, action: Any, *args: Any, **kw: Any) -> Order:
    order = _order(request, order_id)
    action(order, *args, **kw)
    return _order(request, order_id)


@router.post(
    "/{order_id}/pay", auth=access(Perm.ORDERS_CREATE), response={200: OrderOut, **WRITE_ERRORS}
)
def pay(request: HttpRequest, order_id: int) -> Order:
    """Payment taken (the payments issue will check amounts against the total)."""
    return _act(request, order_id, services.mark_paid)


@router.post(
    "/{order_id}/allocate",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderOut, **WRITE_ERRORS},
)
def allocate(request: HttpRequest, order_id: int) -> Order:
    return _act(request, order_id, services.allocate)


@router.post(
    "/{order_id}/pick", auth=access(Perm.ORDERS_FULFIL), response={200: OrderOut, **WRITE_ERRORS}
)
def pick(request: HttpRequest, order_id: int) -> Order:
    return _act(request, order_id, services.start_picking)


@router.post(
    "/{order_id}/ready",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderOut, **WRITE_ERRORS},
)
def ready(request: HttpRequest, order_id: int) -> Order:
    return _act(request, order_id, pickup.mark_ready)


@router.post(
    "/{order_id}/ship", auth=access(Perm.ORDERS_FULFIL), response={200: OrderOut, **WRITE_ERRORS}
)
def ship(request: HttpRequest, order_id: int) -> Order:
    return _act(request, order_id, services.dispatch, OrderStatus.SHIPPED)


@router.post(
    "/{order_id}/deliver",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderOut, **WRITE_ERRORS},
)
def deliver(request: HttpRequest, order_id: int) -> Order:
    return _act(request, order_id, services.dispatch, OrderStatus.OUT_FOR_DELIVERY)


@router.post(
    "/{order_id}/complete",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderOut, **WRITE_ERRORS},
)
def complete(request: HttpRequest, order_id: int) -> Order:
    return _act(request, order_id, services.complete)


@router.post(
    "/{order_id}/cancel",
    auth=access(Perm.ORDERS_MANAGE),
    response={200: OrderOut, **WRITE_ERRORS},
)
def cancel(request: HttpRequest, order_id: int, body: NoteIn) -> Order:
    return _act(request, order_id, services.cancel, reason=body.note)


@router.post(
    "/pickup/verify",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderOut, **WRITE_ERRORS},
)
def verify_pickup(request: HttpRequest, body: PickupIn) -> Order:
    """Counter check: the 6-digit code or the scanned QR payload of a ready order."""
    store = _store(request, body.store_id)
    order = pickup.verify_pickup(store, body.code, id_checked=body.id_checked)
    return _order(request, order.pk)


@router.post(
    "/{order_id}/refund",
    auth=access(Perm.ORDERS_MANAGE),
    response={200: OrderOut, **WRITE_ERRORS},
)
def refund(request: HttpRequest, order_id: int, body: NoteIn) -> Order:
    """Status only; money goes back through the payments issue."""
    return _act(request, order_id, services.refund, reason=body.note)


@router.post(
    "/{order_id}/returns",
    auth=access(Perm.ORDERS_FULFIL),
    response={201: ReturnOut, **WRITE_ERRORS},
)
def create_return(request: HttpRequest, order_id: int, body: ReturnIn) -> tuple[int, OrderReturn]:
    """Goods of a paid order brought back to a store in the caller's scope (the order may be
    from any store of the brand): stock back, refund, points reversed; idempotent on
    ``reference``."""
    store = _store(request, body.store_id)
    row = returns.return_lines(
        order_id,
        [(ln.line_id, ln.quantity) for ln in body.lines],
        store_id=store.pk,
        reference=body.reference,
        reason=body.reason,
        store_ids=_stores(request),
    )
    return 201, row


def _picked(order: Order, picked: list[Any] | None) -> dict[int, int] | None:
    if picked is None:
        return None
    by_no = dict(order.lines.values_list("line_no", "pk"))
    unknown = sorted({p.line_no for p in picked} - set(by_no))
    if unknown:
        raise ValidationFailed(
            OrderError.INVALID_LINE, _("These lines are not on the order."), {"line_nos": unknown}
        )
    return {by_no[p.line_no]: p.quantity for p in picked}


@router.post(
    "/{order_id}/shipments",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderShipmentOut, **WRITE_ERRORS},
)
def create_shipment(request: HttpRequest, order_id: int, body: OrderShipmentIn) -> Shipment:
    """Hand the parcel to a carrier; lines picked short make the order partially fulfilled."""
    order = _order(request, order_id)
    return fulfilment.ship(
        order,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        picked=_picked(order, body.picked),
    )


@router.get(
    "/{order_id}/shipments",
    auth=access(Perm.ORDERS_VIEW),
    response={200: list[OrderShipmentOut], **READ_ERRORS},
)
def list_shipments(request: HttpRequest, order_id: int) -> list[Shipment]:
    return list(_order(request, order_id).shipments.order_by("created_at", "pk"))


@router.post(
    "/{order_id}/dispatch",
    auth=access(Perm.ORDERS_FULFIL),
    response={200: OrderOut, **WRITE_ERRORS},
)
def dispatch_order(request: HttpRequest, order_id: int, body: OrderDispatchIn) -> Order:
    """Out for delivery (or shipped without a carrier record), with optional short picks."""
    order = _order(request, order_id)
    target = (
        OrderStatus.SHIPPED if order.fulfilment_mode == "ship" else OrderStatus.OUT_FOR_DELIVERY
    )
    services.dispatch(order, target, _picked(order, body.picked))
    return _order(request, order_id)
