"""Server-rendered order pages: a list and a detail page with the timeline. Read-only for
now: every change goes through the API (and its permission checks) until the staff screens
of the fulfilment issue land."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core.errors import BadRequest, NotFound
from omniretail.core.pagination import keyset_page

from . import services
from .models import Order, OrderStatus


def _stores(request: HttpRequest) -> frozenset[int]:
    scope = resolve_scope(request.user, Perm.ORDERS_VIEW)
    if scope.empty:
        raise Http404
    return scope.store_ids


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    stores = _stores(request)
    status = request.GET.get("status") or ""
    qs = Order.objects.select_related("store").filter(store_id__in=stores)
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    try:
        rows, next_cursor = keyset_page(
            qs, ["-created_at", "-pk"], cursor=request.GET.get("cursor"), limit=50, tag="orders"
        )
    except BadRequest:
        rows, next_cursor = keyset_page(
            qs, ["-created_at", "-pk"], cursor=None, limit=50, tag="orders"
        )
    return render(
        request,
        "orders/order_list.html",
        {
            "orders": rows,
            "next_cursor": next_cursor,
            "status": status,
            "statuses": OrderStatus.choices,
        },
    )


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = services.get_order(order_id, _stores(request))
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": order.lines.select_related("sku").order_by("line_no"),
            "events": [
                (e, OrderStatus(e.kind).label if e.kind in OrderStatus.values else e.kind)
                for e in order.events.order_by("at", "pk")
            ],
        },
    )
