"""Server-rendered order pages: list, detail with timeline and action buttons (HTMX posts to
views that call the services), pick list, pickup counter, marketplace upload, delivery
dispatch board, SLA report and the in-app notification list. Views stay thin: scope and
permission from ``resolve_scope``, every change through a service, domain errors shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core import clock
from omniretail.core.errors import BadRequest, DomainError, NotFound
from omniretail.core.models import Store
from omniretail.core.pagination import keyset_page

from . import delivery, fulfilment, importer, notify, pickup, returns, services, sla
from .models import DeliveryRoute, FulfilmentMode, Order, OrderChannel, OrderLine, OrderStatus

S = OrderStatus


def _stores(request: HttpRequest, perm: str = Perm.ORDERS_VIEW) -> frozenset[int]:
    scope = resolve_scope(request.user, perm)
    if scope.empty:
        raise Http404
    return scope.store_ids


def _can(request: HttpRequest, perm: str) -> bool:
    return not resolve_scope(request.user, perm).empty


def _store_choice(request: HttpRequest, store_ids: frozenset[int]) -> tuple[list[Store], Store]:
    stores = list(Store.objects.filter(pk__in=store_ids).order_by("code"))
    if not stores:
        raise Http404
    wanted = request.GET.get("store") or request.POST.get("store") or ""
    chosen = next((s for s in stores if str(s.pk) == wanted), stores[0])
    return stores, chosen


def _echarts() -> dict[str, Any]:
    from omniretail.web.views import ECHARTS_PATH, echarts_available

    return {"echarts_available": echarts_available(), "echarts_url": static(ECHARTS_PATH)}


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
    now = clock.now()
    return render(
        request,
        "orders/order_list.html",
        {
            "orders": rows,
            "next_cursor": next_cursor,
            "status": status,
            "statuses": OrderStatus.choices,
            "now": now,
            "overdue_count": len(sla.overdue(stores)),
        },
    )


# --- Detail and its actions ------------------------------------------------------------------

# action → (permission, statuses it applies to, label)
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "allocate": (Perm.ORDERS_FULFIL, (S.PAID,)),
    "pick": (Perm.ORDERS_FULFIL, (S.ALLOCATED,)),
    "ready": (Perm.ORDERS_FULFIL, (S.PICKING,)),
    "dispatch": (Perm.ORDERS_FULFIL, (S.PICKING,)),
    "complete": (Perm.ORDERS_FULFIL, (S.OUT_FOR_DELIVERY, S.SHIPPED, S.PARTIALLY_FULFILLED)),
    "cancel": (
        Perm.ORDERS_MANAGE,
        (S.CREATED, S.AWAITING_PAYMENT, S.PAID, S.ALLOCATED, S.PICKING, S.READY_FOR_PICKUP),
    ),
    "return": (Perm.ORDERS_FULFIL, (S.PAID, S.COMPLETED)),
}


def _labels() -> dict[str, str]:
    return {
        "allocate": _("Allocate"),
        "pick": _("Start picking"),
        "ready": _("Ready for pickup"),
        "dispatch": _("Dispatch"),
        "complete": _("Complete"),
        "cancel": _("Cancel order"),
        "return": _("Return all"),
    }


def _available_actions(request: HttpRequest, order: Order) -> list[tuple[str, str]]:
    labels = _labels()
    out = []
    for name, (perm, statuses) in ACTIONS.items():
        if (
            order.status not in statuses
            or order.store_id not in resolve_scope(request.user, perm).store_ids
        ):
            continue
        if name == "ready" and order.fulfilment_mode != FulfilmentMode.PICKUP:
            continue
        if name == "dispatch" and order.fulfilment_mode not in (
            FulfilmentMode.SHIP,
            FulfilmentMode.DELIVERY,
        ):
            continue
        out.append((name, labels[name]))
    return out


def _event_label(kind: str) -> str:
    """The timeline's words for an event: a status by its label, other events by name."""
    if kind in OrderStatus.values:
        return str(OrderStatus(kind).label)
    labels = {
        "routed": _("Routed"),
        "returned": _("Returned"),
        "short_refunded": _("Refunded for units picked short"),
        "id_checked": _("ID checked"),
        "courier_assigned": _("Courier assigned"),
        "sla_overdue": _("Overdue"),
        "payments_refunded": _("Payments refunded"),
    }
    return str(labels.get(kind, kind.replace("_", " ")))


def _detail_context(request: HttpRequest, order: Order, error: str = "") -> dict[str, Any]:
    order.refresh_from_db()
    return {
        "order": order,
        "lines": order.lines.select_related("sku").order_by("line_no"),
        "events": [(e, _event_label(e.kind)) for e in order.events.order_by("at", "pk")],
        "actions": _available_actions(request, order),
        "shipments": order.shipments.prefetch_related("events").order_by("created_at"),
        "return_stores": Store.objects.filter(
            pk__in=resolve_scope(request.user, Perm.ORDERS_FULFIL).store_ids,
            brand_id=order.store.brand_id,
        ).order_by("code"),
        "checks": pickup.checks_needed(order) if order.pickup_code else {},
        "overdue": bool(
            order.sla_due_at
            and not order.fulfilled_at
            and order.is_open
            and order.sla_due_at < clock.now()
        ),
        "error": error,
    }


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = services.get_order(order_id, _stores(request))
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "orders/order_detail.html", _detail_context(request, order))


def _run_action(request: HttpRequest, order: Order, action: str) -> None:
    if action == "allocate":
        services.allocate(order)
    elif action == "pick":
        services.start_picking(order)
    elif action == "ready":
        pickup.mark_ready(order)
    elif action == "dispatch":
        target = S.SHIPPED if order.fulfilment_mode == FulfilmentMode.SHIP else S.OUT_FOR_DELIVERY
        carrier = (request.POST.get("carrier") or "").strip()
        if order.fulfilment_mode == FulfilmentMode.SHIP and carrier:
            fulfilment.ship(
                order, carrier=carrier, tracking_number=request.POST.get("tracking_number", "")
            )
        else:
            services.dispatch(order, target)
    elif action == "complete":
        services.complete(order)
    elif action == "cancel":
        services.cancel(order, reason=(request.POST.get("reason") or "")[:300])
    elif action == "return":
        store_id = int(request.POST.get("return_store") or order.store_id)
        lines = [
            (ln.pk, ln.quantity - sum(r.quantity for r in ln.returns.all()))
            for ln in order.lines.prefetch_related("returns")
        ]
        returns.return_lines(
            order.pk,
            [(pk, q) for pk, q in lines if q > 0],
            store_id=store_id,
            reference=f"web:{order.number}:{store_id}:{clock.now():%H%M%S%f}",
            reason=(request.POST.get("reason") or "")[:300],
            store_ids=resolve_scope(request.user, Perm.ORDERS_FULFIL).store_ids,
        )


@login_required
@require_POST
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    """One button of the detail page. HTMX gets the refreshed panel (status, actions,
    timeline) back; a plain form post is redirected to the detail page."""
    if action not in ACTIONS:
        raise Http404
    perm = ACTIONS[action][0]
    try:
        order = services.get_order(order_id, _stores(request, perm))
    except NotFound as exc:
        raise Http404 from exc
    error = ""
    try:
        _run_action(request, order, action)
    except (DomainError, ValueError) as exc:
        error = getattr(exc, "message", "") or _("That did not work.")
    if request.headers.get("HX-Request"):
        return render(request, "orders/_panel.html", _detail_context(request, order, error))
    return redirect("orders:order_detail", order_id=order.pk)


# --- Pick list, pickup counter, marketplace upload --------------------------------------------


@login_required
def pick_list(request: HttpRequest) -> HttpResponse:
    """What to fetch from the shelves: lines of allocated and picking orders, by SKU."""
    stores, store = _store_choice(request, _stores(request, Perm.ORDERS_FULFIL))
    lines = list(
        OrderLine.objects.filter(order__store=store, order__status__in=(S.ALLOCATED, S.PICKING))
        .select_related("sku", "order", "order__location")
        .order_by("sku__code", "order__created_at")
    )
    by_sku: dict[int, dict[str, Any]] = {}
    for ln in lines:
        row = by_sku.setdefault(
            ln.sku_id, {"sku": ln.sku, "quantity": 0, "orders": [], "location": ln.order.location}
        )
        row["quantity"] += ln.quantity
        row["orders"].append(ln.order)
    return render(
        request,
        "orders/pick_list.html",
        {
            "stores": stores,
            "store": store,
            "rows": list(by_sku.values()),
            "orders": sorted({ln.order for ln in lines}, key=lambda o: o.created_at),
        },
    )


@login_required
def pickup_counter(request: HttpRequest) -> HttpResponse:
    """Staff verify the customer's code (typed, or the QR's text from a scanner)."""
    stores, store = _store_choice(request, _stores(request, Perm.ORDERS_FULFIL))
    result: Order | None = None
    error = ""
    needs_check: dict[str, Any] = {}
    code = ""
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()[:300]
        try:
            result = pickup.verify_pickup(
                store, code, id_checked=request.POST.get("id_checked") == "on"
            )
        except DomainError as exc:
            error = exc.message
            if isinstance(exc.details, dict) and "id_check" in exc.details:
                needs_check = exc.details
    template = (
        "orders/_pickup_result.html"
        if request.headers.get("HX-Request")
        else ("orders/pickup.html")
    )
    return render(
        request,
        template,
        {
            "stores": stores,
            "store": store,
            "result": result,
            "error": error,
            "needs_check": needs_check,
            "code": code if error else "",
        },
    )


MARKETPLACES = [(OrderChannel.MARKETPLACE, _("Marketplace"))]


@login_required
def marketplace_upload(request: HttpRequest) -> HttpResponse:
    """Upload a marketplace export (CSV or JSON); every row's outcome is listed."""
    store_ids = _stores(request, Perm.ORDERS_IMPORT)
    report = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a file.")
        else:
            try:
                rows = importer.rows_from_file(
                    upload.name, upload.read(importer.MAX_FILE_BYTES + 1)
                )
                report = importer.import_marketplace_orders(
                    OrderChannel.MARKETPLACE, rows, store_ids=store_ids
                )
            except DomainError as exc:
                error = exc.message
    return render(request, "orders/upload.html", {"report": report, "error": error})


# --- Dispatch board, SLA report, notifications ------------------------------------------------


def _board_chart(store: Store, routes: list[DeliveryRoute], waiting: list[Order]) -> dict:
    series = []
    for route in routes:
        stops = [s.order for s in route.stops.select_related("order").order_by("sequence")]
        path = (
            [[store.longitude, store.latitude]]
            + [[o.delivery_longitude, o.delivery_latitude] for o in stops]
            + [[store.longitude, store.latitude]]
        )
        series.append(
            {
                "name": route.courier.name,
                "path": path,
                "stops": [[o.delivery_longitude, o.delivery_latitude, o.number] for o in stops],
            }
        )
    planned = {s.order_id for r in routes for s in r.stops.all()}
    return {
        "store": [store.longitude, store.latitude, store.code],
        "routes": series,
        "waiting": [
            [o.delivery_longitude, o.delivery_latitude, o.number]
            for o in waiting
            if o.pk not in planned
        ],
        "labels": {"store": _("Store"), "waiting": _("Not planned")},
    }


def _board_context(
    request: HttpRequest,
    store_ids: frozenset[int],
    error: str = "",
    dropped: list[int] | None = None,
) -> dict[str, Any]:
    stores, store = _store_choice(request, store_ids)
    routes = delivery.current_routes(store)
    waiting = delivery.plannable_orders(store)
    units = dict(
        Order.objects.filter(pk__in=[o.pk for o in waiting])
        .annotate(u=Sum("lines__quantity"))
        .values_list("pk", "u")
    )
    return {
        "stores": stores,
        "store": store,
        "couriers": store.couriers.filter(is_active=True).order_by("name"),
        "routes": routes,
        "waiting": [(o, units.get(o.pk) or 0) for o in waiting],
        "out": Order.objects.filter(store=store, status=S.OUT_FOR_DELIVERY).order_by("pk")[:100],
        "chart": _board_chart(store, routes, waiting),
        "error": error,
        "dropped": dropped or [],
        **_echarts(),
    }


@login_required
def dispatch_board(request: HttpRequest) -> HttpResponse:
    """Same-day delivery: waiting orders, couriers, planned routes (map-like chart),
    planning and dispatching. POST ``plan`` replans; POST ``dispatch`` sends a route out."""
    store_ids = _stores(request, Perm.ORDERS_FULFIL)
    error = ""
    dropped: list[int] = []
    if request.method == "POST":
        _stores_list, store = _store_choice(request, store_ids)
        try:
            if request.POST.get("op") == "plan":
                _routes, dropped = delivery.plan_deliveries(store, time_limit_s=2.0)
            elif request.POST.get("op") == "dispatch":
                route = delivery.get_route(int(request.POST.get("route") or 0), store_ids)
                delivery.dispatch_route(route)
            elif request.POST.get("op") == "courier":
                delivery.add_courier(
                    store, request.POST.get("name", ""), int(request.POST.get("capacity") or 20)
                )
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", "") or _("That did not work.")
    return render(
        request, "orders/dispatch_board.html", _board_context(request, store_ids, error, dropped)
    )


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
def sla_report(request: HttpRequest) -> HttpResponse:
    store_ids = _stores(request)
    today = clock.today()
    end = _date(request.GET.get("end"), today)
    if not 2000 <= end.year <= 2100:
        end = today
    start = _date(request.GET.get("start"), end - dt.timedelta(days=6))
    if start > end or (end - start).days > 366 or start.year < 2000:
        start = end - dt.timedelta(days=6)
    return render(
        request,
        "orders/sla_report.html",
        {
            "rows": sla.report(store_ids, start, end),
            "start": start,
            "end": end,
            "overdue": sla.overdue(store_ids, limit=50),
        },
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "orders/notifications.html",
        {"notes": notify.for_stores(_stores(request), limit=100)},
    )


@login_required
def return_desk(request: HttpRequest) -> HttpResponse:
    """Returns at any store of the brand: find the order by its number (whatever store or
    channel sold it), take back quantities at one of the clerk's stores; the refund goes to
    the original tender through payments."""
    store_ids = _stores(request, Perm.ORDERS_FULFIL)
    stores, store = _store_choice(request, store_ids)
    number = (request.GET.get("number") or request.POST.get("number") or "").strip()[:64]
    order = None
    error = ""
    done = None
    if number:
        order = (
            Order.objects.select_related("store")
            .filter(number=number, store__brand_id=store.brand_id)
            .first()
        )
        if order is None:
            error = _("No order with this number.")
    if order is not None and request.method == "POST":
        wanted = []
        for ln in order.lines.all():
            try:
                qty = int(request.POST.get(f"qty_{ln.pk}") or 0)
            except ValueError:
                qty = 0
            if qty > 0:
                wanted.append((ln.pk, qty))
        try:
            done = returns.return_lines(
                order.pk,
                wanted,
                store_id=store.pk,
                reference=(request.POST.get("reference") or "")[:100],
                reason=(request.POST.get("reason") or "")[:300],
                store_ids=store_ids,
            )
        except DomainError as exc:
            error = exc.message
    lines = []
    if order is not None:
        for ln in order.lines.select_related("sku").prefetch_related("returns"):
            back = sum(r.quantity for r in ln.returns.all())
            lines.append((ln, back, max(ln.quantity - back, 0)))
    return render(
        request,
        "orders/return_desk.html",
        {
            "stores": stores,
            "store": store,
            "number": number,
            "order": order,
            "lines": lines,
            "error": error,
            "done": done,
            "reference": f"desk-{store.code}-{clock.now():%Y%m%d%H%M%S%f}",
        },
    )
