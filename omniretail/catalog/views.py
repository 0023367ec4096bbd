"""Back-office pages: product list (filters, keyset pages), SKU edit form driven by the
attribute set, price schedule, import upload."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core.errors import DomainError
from omniretail.core.models import Brand
from omniretail.core.pagination import keyset_page

from . import importer, pricing, restrictions, selectors, services
from .attributes import attribute_set
from .models import Channel, LifecycleStatus


def _scope(request: HttpRequest, perm: Perm) -> Any:
    scope = resolve_scope(request.user, perm)
    if scope.empty:
        raise Http404
    return scope


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.CATALOG_VIEW)
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    error = None
    try:
        qs = selectors.sku_list(
            scope,
            q=q or None,
            status=status or None,
            category_id=int(category) if category.isdigit() else None,
        )
        rows, next_cursor = keyset_page(
            qs.select_related("product__category"),
            ["pk"],
            cursor=request.GET.get("cursor"),
            limit=50,
            tag="catalog.page",
        )
    except DomainError as exc:
        rows, next_cursor, error = [], None, exc.message
    prices = pricing.resolve_prices([s.pk for s in rows])
    for s in rows:
        s.list_price = prices[s.pk].amount if s.pk in prices else None
        s.online = restrictions.check_sellable(s, Channel.ONLINE)
    return render(
        request,
        "catalog/product_list.html",
        {
            "skus": rows,
            "next_cursor": next_cursor,
            "q": q,
            "status": status,
            "category": category,
            "error": error,
            "statuses": LifecycleStatus.choices,
            "categories": selectors.categories(scope).order_by("path"),
        },
    )


@login_required
def sku_detail(request: HttpRequest, sku_id: int) -> HttpResponse:
    scope = _scope(request, Perm.CATALOG_VIEW)
    sku = selectors.sku(scope, sku_id)
    if sku is None:
        raise Http404
    can_manage = not resolve_scope(request.user, Perm.CATALOG_MANAGE).empty
    links = attribute_set(sku.product.category)
    if request.method == "POST" and can_manage:
        attrs = {
            link.attribute.code: request.POST.get(f"attr_{link.attribute.code}", "").strip()
            for link in links
        }
        changes = {
            "name": request.POST.get("name", sku.name).strip()[:250],
            "short_name": request.POST.get("short_name", "")[:60],
            "attributes": {k: v for k, v in attrs.items() if v},
        }
        try:
            services.update_sku(sku, changes)
            messages.success(request, _("Saved."))
            return redirect("catalog:sku_detail", sku_id=sku.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    fields = [
        {
            "code": link.attribute.code,
            "name": link.attribute.name,
            "type": link.attribute.type,
            "unit": link.attribute.unit,
            "choices": link.attribute.choices,
            "required": link.required,
            "value": sku.attributes.get(link.attribute.code, ""),
        }
        for link in links
    ]
    return render(
        request,
        "catalog/sku_detail.html",
        {
            "sku": sku,
            "fields": fields,
            "can_manage": can_manage,
            "barcodes": sku.barcodes.order_by("-is_primary", "pk"),
            "sellability": [restrictions.check_sellable(sku, c) for c in Channel.values],
            "prices": pricing.price_history(sku.pk, store_ids=set(scope.store_ids)),
        },
    )


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.CATALOG_MANAGE)
    report = None
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        brand = (
            Brand.objects.filter(pk__in=selectors.visible_brand_ids(scope)).order_by("pk").first()
        )
        try:
            report = importer.run_import(
                brand, upload.name, upload.read(), dry_run=bool(request.POST.get("dry_run"))
            ).summary()
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(request, "catalog/import.html", {"report": report})
