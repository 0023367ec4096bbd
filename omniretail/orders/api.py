"""Orders JSON API under /api/v1/orders/. Thin: parse, check scope, call a service.

Fixed paths (``/import``) are declared before ``/{order_id}`` so they are not shadowed.

Orders of stores outside the caller's scope answer 404 exactly like unknown ones.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core.errors import NotFound
from omniretail.core.models import Location, Store
from omniretail.core.pagination import keyset_page
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import importer, pickup, returns, services
from .errors import OrderError
from .models import Order, OrderReturn, OrderStatus
from .schemas import (
    ImportIn,
    MarketplaceImportOut,
    NoteIn,
    OrderIn,
    OrderOut,
    OrderPage,
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
