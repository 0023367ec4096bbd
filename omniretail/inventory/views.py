"""Server-rendered inventory pages: stock overview, stock card, transfers, counts, alerts.

Every page resolves the user's scope for the permission it needs; objects outside it are 404.
Writes call the same services as the API and show domain errors as messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.catalog.models import Sku
from omniretail.core.errors import DomainError
from omniretail.core.models import Location
from omniretail.core.pagination import keyset_page

from . import counts, selectors, transfers
from .models import StockCount, Transfer

OVERVIEW_PAGE = 100
# Summing the value of more locations than this per page view would read millions of rows on
# a large chain; the page then asks for a location instead.
VALUATION_MAX = 50


def _scope(request: HttpRequest, perm: Perm) -> frozenset[int]:
    scope = resolve_scope(request.user, perm)
    if scope.empty:
        raise Http404
    return scope.location_ids


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _attempt(request: HttpRequest, fn: Callable[[], Any], ok: str) -> bool:
    try:
        fn()
    except DomainError as exc:
        messages.error(request, f"{exc.message} ({exc.code})")
        return False
    messages.success(request, ok)
    return True


@login_required
def stock_overview(request: HttpRequest) -> HttpResponse:
    """Stock levels in keyset pages of 100 along the (location, SKU) index, so the first page
    and the thousandth cost the same at millions of rows; text search goes through the catalog
    token index; the valuation is summed only over a bounded set of locations."""
    scope = _scope(request, Perm.INVENTORY_VIEW)
    location_id = _int(request.GET.get("location"))
    q = (request.GET.get("q") or "").strip()[:40]
    low_only = request.GET.get("low") == "1"
    error = None
    try:
        levels, next_cursor = keyset_page(
            selectors.stock_levels(scope, location_id=location_id, q=q or None, low_only=low_only),
            ["location_id", "sku_id"],
            cursor=request.GET.get("cursor"),
            limit=OVERVIEW_PAGE,
            tag="inventory.overview",
        )
    except DomainError as exc:
        levels, next_cursor, error = [], None, exc.message
    valued = frozenset({location_id} & scope) if location_id else scope
    return render(
        request,
        "inventory/stock_overview.html",
        {
            "levels": levels,
            "next_cursor": next_cursor,
            "error": error,
            "locations": Location.objects.filter(pk__in=scope).order_by("code"),
            "location_id": location_id,
            "q": q,
            "low_only": low_only,
            "valuation": selectors.valuation(valued) if len(valued) <= VALUATION_MAX else None,
            "alert_count": selectors.alerts(scope).count(),
        },
    )


@login_required
def stock_card(request: HttpRequest, sku_id: int, location_id: int) -> HttpResponse:
    scope = _scope(request, Perm.INVENTORY_VIEW)
    if location_id not in scope:
        raise Http404
    sku = Sku.objects.filter(pk=sku_id).first()
    if sku is None:
        raise Http404
    return render(
        request,
        "inventory/stock_card.html",
        {
            "sku": sku,
            "location": Location.objects.get(pk=location_id),
            "movements": selectors.stock_card(sku_id, location_id)[:200],
            "levels": selectors.where_is(sku_id, scope),
            "days_of_cover": selectors.days_of_cover(sku_id, location_id),
        },
    )


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.INVENTORY_VIEW)
    return render(request, "inventory/alerts.html", {"alerts": selectors.alerts(scope)[:300]})


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.INVENTORY_TRANSFER)
    if request.method == "POST":
        source_id = _int(request.POST.get("source"))
        destination_id = _int(request.POST.get("destination"))
        sku = Sku.objects.filter(code=(request.POST.get("sku_code") or "").strip()[:40]).first()
        quantity = _int(request.POST.get("quantity")) or 0
        if sku is None:
            messages.error(request, _("Unknown SKU code."))
        elif source_id not in scope and destination_id not in scope:
            messages.error(request, _("One side of the transfer must be your location."))
        else:
            created: list[Transfer] = []
            if _attempt(
                request,
                lambda: created.append(
                    transfers.request_transfer(
                        source_id=source_id or 0,
                        destination_id=destination_id or 0,
                        lines=[transfers.LineIn(sku.pk, quantity)],
                        user=request.user,
                    )
                ),
                _("Transfer requested."),
            ):
                return redirect("inventory:transfer_detail", transfer_id=created[0].pk)
        return redirect("inventory:transfer_list")
    items = Transfer.objects.filter(Q(source_id__in=scope) | Q(destination_id__in=scope))
    brand_ids = Location.objects.filter(pk__in=scope).values("brand_id")
    return render(
        request,
        "inventory/transfer_list.html",
        {
            "transfers": items.select_related("source", "destination")[:200],
            "own_locations": Location.objects.filter(pk__in=scope).order_by("code"),
            "all_locations": Location.objects.filter(
                brand_id__in=brand_ids, is_active=True
            ).order_by("code"),
        },
    )


@login_required
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    scope = _scope(request, Perm.INVENTORY_TRANSFER)
    transfer = Transfer.objects.filter(pk=transfer_id).select_related("source", "destination")
    t = transfer.first()
    if t is None or not transfers.visible(t, scope):
        raise Http404
    return render(
        request,
        "inventory/transfer_detail.html",
        {
            "transfer": t,
            "lines": t.lines.prefetch_related("discrepancies").order_by("pk"),
            "can_approve": not resolve_scope(request.user, Perm.INVENTORY_APPROVE).empty,
        },
    )


@login_required
@require_POST
def transfer_action(request: HttpRequest, transfer_id: int, action: str) -> HttpResponse:
    perm = Perm.INVENTORY_APPROVE if action in ("approve", "resolve") else Perm.INVENTORY_TRANSFER
    scope = _scope(request, perm)
    if action == "receive":
        receipts = []
        t = Transfer.objects.filter(pk=transfer_id).first()
        for line in t.lines.all() if t else []:
            got = _int(request.POST.get(f"received_{line.pk}"))
            if got is not None and got != line.shipped:
                receipts.append(
                    transfers.ReceiptIn(line.pk, got, request.POST.get(f"note_{line.pk}", ""))
                )
        _attempt(request, lambda: transfers.receive(transfer_id, receipts, scope), _("Received."))
    elif action == "resolve":
        d_id = _int(request.POST.get("discrepancy")) or 0
        text = request.POST.get("resolution", "")
        _attempt(request, lambda: transfers.resolve_discrepancy(d_id, text, scope), _("Resolved."))
    elif action in ("approve", "ship", "cancel"):
        fn = {"approve": transfers.approve, "ship": transfers.ship, "cancel": transfers.cancel}
        _attempt(request, lambda: fn[action](transfer_id, scope), _("Done."))
    else:
        raise Http404
    return redirect("inventory:transfer_detail", transfer_id=transfer_id)


@login_required
def count_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.INVENTORY_COUNT)
    if request.method == "POST":
        location_id = _int(request.POST.get("location")) or 0
        kind = request.POST.get("kind", "full")
        codes = [c.strip() for c in (request.POST.get("sku_codes") or "").split(",") if c.strip()]
        sku_ids = list(Sku.objects.filter(code__in=codes[:500]).values_list("pk", flat=True))
        if location_id not in scope:
            raise Http404
        created: list[StockCount] = []
        if _attempt(
            request,
            lambda: created.append(
                counts.open_count(
                    location_id=location_id,
                    kind=kind,
                    sku_ids=sku_ids or None,
                    blind=request.POST.get("blind") == "1",
                    zone=request.POST.get("zone", ""),
                    user=request.user,
                )
            ),
            _("Count opened."),
        ):
            return redirect("inventory:count_detail", count_id=created[0].pk)
        return redirect("inventory:count_list")
    return render(
        request,
        "inventory/count_list.html",
        {
            "counts": StockCount.objects.filter(location_id__in=scope).select_related("location")[
                :200
            ],
            "locations": Location.objects.filter(pk__in=scope).order_by("code"),
        },
    )


@login_required
def count_detail(request: HttpRequest, count_id: int) -> HttpResponse:
    scope = _scope(request, Perm.INVENTORY_COUNT)
    count = StockCount.objects.filter(pk=count_id, location_id__in=scope).first()
    if count is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "scan":
            sku = Sku.objects.filter(code=(request.POST.get("sku_code") or "").strip()[:40]).first()
            qty = _int(request.POST.get("quantity"))
            if sku is None or qty is None:
                messages.error(request, _("Give a known SKU code and a quantity."))
            else:
                _attempt(
                    request,
                    lambda: counts.record_scans(count_id, {sku.pk: qty}, scope),
                    _("Scan recorded."),
                )
        elif action == "submit":
            _attempt(request, lambda: counts.submit(count_id, scope), _("Submitted."))
        elif action == "approve":
            approve_scope = _scope(request, Perm.INVENTORY_APPROVE)
            _attempt(
                request,
                lambda: counts.approve(count_id, approve_scope),
                _("Approved; variances posted."),
            )
        return redirect("inventory:count_detail", count_id=count_id)
    hide = count.blind and count.status == "open"
    return render(
        request,
        "inventory/count_detail.html",
        {
            "count": count,
            "lines": count.lines.select_related("sku").order_by("sku__code"),
            "hide_expected": hide,
            "can_approve": not resolve_scope(request.user, Perm.INVENTORY_APPROVE).empty,
        },
    )
