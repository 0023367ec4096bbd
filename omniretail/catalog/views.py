"""Back-office pages: product list (filters, keyset pages), new product + SKU, SKU edit form
driven by the attribute set, price schedule, lifecycle buttons, import upload, export download."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core import clock
from omniretail.core.errors import DomainError
from omniretail.core.models import Brand, Store
from omniretail.core.pagination import keyset_page

from . import importer, pricing, restrictions, selectors, services
from .attributes import attribute_set
from .models import Channel, LifecycleStatus, PriceKind, ProductBrand, UnitOfMeasure


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
    category = request.GET.get("category", "")[:18]
    sort = request.GET.get("sort", "")[:20]
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
            selectors.sku_order(sort or None),
            cursor=request.GET.get("cursor"),
            limit=50,
            tag="catalog.page",
        )
    except DomainError as exc:
        rows, next_cursor, error = [], None, exc.message
    prices = pricing.resolve_prices([s.pk for s in rows])
    online = restrictions.check_sellable_many(rows, Channel.ONLINE)
    for s in rows:
        s.list_price = prices[s.pk].amount if s.pk in prices else None
        s.online = online[s.pk]
    return render(
        request,
        "catalog/product_list.html",
        {
            "skus": rows,
            "next_cursor": next_cursor,
            "q": q,
            "status": status,
            "category": category,
            "sort": sort,
            "sorts": [
                ("", _("Order created")),
                ("code", _("SKU code")),
                ("name", _("Name")),
                ("-updated", _("Recently changed")),
            ],
            "error": error,
            "statuses": LifecycleStatus.choices,
            "categories": selectors.categories(scope).order_by("path"),
            "can_manage": not resolve_scope(request.user, Perm.CATALOG_MANAGE).empty,
        },
    )


@login_required
def sku_detail(request: HttpRequest, sku_id: int) -> HttpResponse:
    scope = _scope(request, Perm.CATALOG_VIEW)
    sku = selectors.sku(scope, sku_id)
    if sku is None:
        raise Http404
    can_manage = not resolve_scope(request.user, Perm.CATALOG_MANAGE).empty
    price_scope = resolve_scope(request.user, Perm.CATALOG_PRICE)
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
            "now": clock.now(),
            "can_price": not price_scope.empty,
            "price_stores": Store.objects.filter(pk__in=price_scope.store_ids).order_by("code"),
            "price_kinds": [
                (PriceKind.LIST, PriceKind.LIST.label),
                (PriceKind.MEMBER, PriceKind.MEMBER.label),
            ],
            "channels": Channel.choices,
            "next_statuses": [
                (s, LifecycleStatus(s).label)
                for s in sorted(services.TRANSITIONS.get(sku.status, set()))
            ]
            if can_manage
            else [],
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


SHANGHAI = ZoneInfo("Asia/Shanghai")
SKU_FIELDS = ("name", "name_en", "spec", "short_name", "uom", "barcode", "list_price", "code")


def _local_datetime(text: str) -> dt.datetime | None:
    """A ``datetime-local`` value (Asia/Shanghai wall time) as an aware datetime."""
    text = text.strip()
    if not text:
        return None
    try:
        naive = dt.datetime.fromisoformat(text[:19])
    except ValueError:
        raise ValueError(_("Enter a valid date and time.")) from None
    return naive.replace(tzinfo=SHANGHAI) if naive.tzinfo is None else naive


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("Enter the amount as a number, e.g. 2499.00.")) from None
    if not value.is_finite() or value <= 0:
        raise ValueError(_("The amount must be greater than zero."))
    return value


@login_required
def sku_create(request: HttpRequest) -> HttpResponse:
    """One product and its first SKU (draft), optionally with a list price."""
    scope = _scope(request, Perm.CATALOG_MANAGE)
    cats = selectors.categories(scope).order_by("path")
    data = request.POST if request.method == "POST" else request.GET
    category = (
        cats.filter(pk=data["category"]).first() if data.get("category", "").isdigit() else None
    )
    links = attribute_set(category) if category else []
    values = {f: data.get(f, "").strip() for f in SKU_FIELDS}
    values.update(
        category=str(category.pk) if category else "",
        product_brand=data.get("product_brand", ""),
        tracks_batches=bool(data.get("tracks_batches")),
        shelf_life_days=data.get("shelf_life_days", "").strip(),
    )
    if request.method == "POST" and request.POST.get("save"):
        try:
            sku = _create_sku(request, category, links, values)
        except ValueError as exc:
            messages.error(request, str(exc))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Created %(code)s as a draft.") % {"code": sku.code})
            return redirect("catalog:sku_detail", sku_id=sku.pk)
    fields = [
        {
            "code": link.attribute.code,
            "name": link.attribute.name,
            "type": link.attribute.type,
            "unit": link.attribute.unit,
            "choices": link.attribute.choices,
            "required": link.required,
            "value": data.get(f"attr_{link.attribute.code}", ""),
        }
        for link in links
    ]
    return render(
        request,
        "catalog/sku_create.html",
        {
            "v": values,
            "categories": cats,
            "fields": fields,
            "brands": selectors.product_brands()[:2000],
            "units": UnitOfMeasure.choices,
        },
    )


def _create_sku(request: HttpRequest, category: Any, links: list[Any], v: dict[str, Any]) -> Any:
    if category is None:
        raise ValueError(_("Choose a category."))
    if not v["name"]:
        raise ValueError(_("Enter the product name."))
    shelf_life = None
    if v["shelf_life_days"]:
        if not v["shelf_life_days"].isdigit() or not 1 <= int(v["shelf_life_days"]) <= 36500:
            raise ValueError(_("Shelf life must be a whole number of days (1 to 36500)."))
        shelf_life = int(v["shelf_life_days"])
    price = _amount(v["list_price"]) if v["list_price"] else None
    pb = None
    if v["product_brand"]:
        pb = ProductBrand.objects.filter(
            pk=int(v["product_brand"]) if v["product_brand"].isdigit() else 0
        ).first()
        if pb is None:
            raise ValueError(_("Choose a product brand from the list."))
    attrs = {
        link.attribute.code: request.POST.get(f"attr_{link.attribute.code}", "").strip()
        for link in links
    }
    brand = Brand.objects.get(pk=category.brand_id)
    with transaction.atomic():  # product, SKU and price together, or nothing
        code = v["code"] or services.next_sku_code(brand)
        product = services.create_product(
            brand,
            code=f"P-{code}"[:40],
            name=v["name"][:200],
            name_en=v["name_en"][:200],
            category=category,
            product_brand=pb,
        )
        sku = services.create_sku(
            product,
            services.SkuSpec(
                name=v["name"][:200],
                spec=v["spec"][:100],
                code=code[:40],
                name_en=v["name_en"][:250],
                short_name=v["short_name"][:60],
                uom=v["uom"] or UnitOfMeasure.PIECE,
                tracks_batches=v["tracks_batches"],
                shelf_life_days=shelf_life,
                attributes={k: x for k, x in attrs.items() if x},
                barcodes=[services.BarcodeSpec(v["barcode"] or None)],
            ),
        )
        if price is not None:
            pricing.set_price(sku, kind=PriceKind.LIST, amount=price, reason=_("New product"))
    return sku


@login_required
@require_POST
def sku_price(request: HttpRequest, sku_id: int) -> HttpResponse:
    """Set or schedule a list/member price (the ESL feed picks it up when it starts)."""
    scope = _scope(request, Perm.CATALOG_PRICE)
    sku = selectors.sku(scope, sku_id)
    if sku is None:
        raise Http404
    p = request.POST
    try:
        kind = p.get("kind", "")
        if kind not in (PriceKind.LIST, PriceKind.MEMBER):
            raise ValueError(_("Choose list or member price."))
        channel = p.get("channel", "")
        if channel and channel not in Channel.values:
            raise ValueError(_("Choose a channel from the list."))
        store = None
        if p.get("store"):
            store_id = int(p["store"]) if p["store"].isdigit() else 0
            store = Store.objects.filter(pk=store_id, pk__in=scope.store_ids).first()
            if store is None:
                raise ValueError(_("Choose a store from the list."))
        elif sku.product.brand_id not in scope.brand_ids:
            raise ValueError(_("Choose a store: your role sets prices per store."))
        amount = _amount(p.get("amount", ""))
        starts_at = _local_datetime(p.get("starts_at", ""))
        ends_at = _local_datetime(p.get("ends_at", ""))
        pricing.set_price(
            sku,
            kind=kind,
            amount=amount,
            channel=channel,
            store=store,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=p.get("reason", "")[:200],
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if starts_at and starts_at > clock.now():
            messages.success(request, _("Price change scheduled."))
        else:
            messages.success(request, _("Price saved."))
    return redirect("catalog:sku_detail", sku_id=sku.pk)


@login_required
@require_POST
def sku_status(request: HttpRequest, sku_id: int) -> HttpResponse:
    scope = _scope(request, Perm.CATALOG_MANAGE)
    sku = selectors.sku(scope, sku_id)
    if sku is None:
        raise Http404
    to_status = request.POST.get("status", "")[:20]
    try:
        services.change_status(sku, to_status, reason=request.POST.get("reason", "")[:200])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Status changed to %(status)s.") % {"status": LifecycleStatus(to_status).label},
        )
    return redirect("catalog:sku_detail", sku_id=sku.pk)


def _csv_stream(rows: Iterator[dict[str, str]]) -> Iterator[str]:
    class _Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.DictWriter(_Echo(), fieldnames=importer.COLUMNS)
    yield writer.writeheader()
    for row in rows:
        yield writer.writerow(row)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    """The file ``omniretail export products`` writes, for the caller's brand."""
    scope = _scope(request, Perm.CATALOG_VIEW)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    brand = Brand.objects.filter(pk__in=selectors.visible_brand_ids(scope)).order_by("pk").first()
    if brand is None:
        raise Http404
    stamp = clock.local_now().strftime("%Y%m%d-%H%M")
    filename = f"products-{brand.code}-{stamp}.{fmt}"
    if fmt == "csv":
        # Streamed row by row from the chunked export reader: memory stays flat at any size.
        response: HttpResponse | StreamingHttpResponse | FileResponse = StreamingHttpResponse(
            _csv_stream(importer.export_rows(brand)), content_type="text/csv; charset=utf-8"
        )
    else:
        # A workbook needs a file; openpyxl's write-only mode keeps memory flat while writing
        # and the response streams the file from disk.
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "products.xlsx"
            importer.write_export(brand, path)
            with path.open("rb") as src:
                shutil.copyfileobj(src, handle)
        handle.seek(0)
        response = FileResponse(
            handle,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
