"""Catalog API under /api/v1/catalog/. Thin: parse, scope, call a service or selector."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router
from ninja.files import UploadedFile

from omniretail.accounts.access import access
from omniretail.accounts.permissions import Perm
from omniretail.core.errors import NotFound, ValidationFailed
from omniretail.core.models import Brand, Store
from omniretail.core.pagination import keyset_page
from omniretail.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import categories as cat_services
from . import importer, labels, media, pricing, restrictions, selectors, services
from .errors import CatalogError
from .models import Barcode, Category, ProductBrand, SaleRestriction
from .schemas import (
    BarcodeIn,
    BarcodeOut,
    CategoryIn,
    CategoryOut,
    ImportOut,
    LabelFeed,
    LifecycleOut,
    MediaOut,
    MergeIn,
    MoveIn,
    PriceIn,
    PriceOut,
    ProductBrandOut,
    ProductIn,
    ProductOut,
    ReorderIn,
    RestrictionIn,
    RestrictionOut,
    SellableOut,
    SkuIn,
    SkuOut,
    SkuPage,
    SkuPatch,
    StatusIn,
)

router = Router(tags=["catalog"])
VIEW, MANAGE, PRICE = (
    access(Perm.CATALOG_VIEW),
    access(Perm.CATALOG_MANAGE),
    access(Perm.CATALOG_PRICE),
)


def _brand(request: HttpRequest) -> Brand:
    ids = selectors.visible_brand_ids(request.scope)
    brand = Brand.objects.filter(pk__in=ids).order_by("pk").first()
    if brand is None:
        raise NotFound(_("brand"))
    return brand


def _category(request: HttpRequest, pk: int | None) -> Category | None:
    if pk is None:
        return None
    cat = selectors.categories(request.scope).filter(pk=pk).first()
    if cat is None:
        raise NotFound(_("category"))
    return cat


def _sku(request: HttpRequest, pk: int) -> Any:
    sku = selectors.sku(request.scope, pk)
    if sku is None:
        raise NotFound(_("SKU"))
    return sku


# --- Categories ----------------------------------------------------------------------------------


@router.get("/categories", auth=VIEW, response={200: list[CategoryOut], **READ_ERRORS})
def list_categories(request: HttpRequest, under: int | None = None) -> list[Any]:
    qs = selectors.categories(request.scope)
    if under is not None:
        root = _category(request, under)
        qs = selectors.subtree(root) if root else qs
    return list(qs.order_by("path")[:5000])


@router.post("/categories", auth=MANAGE, response={201: CategoryOut, **WRITE_ERRORS})
def create_category(request: HttpRequest, payload: CategoryIn) -> tuple[int, Any]:
    parent = _category(request, payload.parent_id)
    brand = Brand.objects.get(pk=parent.brand_id) if parent else _brand(request)
    return 201, cat_services.create_category(
        brand,
        code=payload.code,
        name=payload.name,
        name_en=payload.name_en,
        parent=parent,
        sort_order=payload.sort_order,
    )


@router.post(
    "/categories/{category_id}/move", auth=MANAGE, response={200: CategoryOut, **WRITE_ERRORS}
)
def move_category(request: HttpRequest, category_id: int, payload: MoveIn) -> Any:
    return cat_services.move_category(
        _category(request, category_id), _category(request, payload.parent_id)
    )


@router.post(
    "/categories/{category_id}/merge", auth=MANAGE, response={200: CategoryOut, **WRITE_ERRORS}
)
def merge_category(request: HttpRequest, category_id: int, payload: MergeIn) -> Any:
    return cat_services.merge_category(
        _category(request, category_id), _category(request, payload.target_id)
    )


@router.post("/categories/reorder", auth=MANAGE, response={200: list[CategoryOut], **WRITE_ERRORS})
def reorder_categories(request: HttpRequest, payload: ReorderIn) -> list[Any]:
    parent = _category(request, payload.parent_id)
    brand = _brand(request)
    cat_services.reorder_children(parent, brand, payload.ordered_ids)
    return list(Category.objects.filter(brand=brand, parent=parent).order_by("sort_order", "pk"))


# --- Brands, products, SKUs ----------------------------------------------------------------------


@router.get("/brands", auth=VIEW, response={200: list[ProductBrandOut], **READ_ERRORS})
def list_brands(request: HttpRequest) -> list[Any]:
    return list(selectors.product_brands()[:2000])


@router.post("/products", auth=MANAGE, response={201: ProductOut, **WRITE_ERRORS})
def create_product(request: HttpRequest, payload: ProductIn) -> tuple[int, Any]:
    category = _category(request, payload.category_id)
    pb = None
    if payload.product_brand_id is not None:
        pb = ProductBrand.objects.filter(pk=payload.product_brand_id).first()
        if pb is None:
            raise NotFound(_("product brand"))
    product = services.create_product(
        Brand.objects.get(pk=category.brand_id),
        code=payload.code,
        name=payload.name,
        name_en=payload.name_en,
        category=category,
        product_brand=pb,
        description=payload.description,
        description_en=payload.description_en,
    )
    return 201, product


@router.get("/products/{product_id}", auth=VIEW, response={200: ProductOut, **READ_ERRORS})
def get_product(request: HttpRequest, product_id: int) -> Any:
    product = selectors.products(request.scope).filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("product"))
    return product


@router.get("/skus", auth=VIEW, response={200: SkuPage, **READ_ERRORS})
def list_skus(
    request: HttpRequest,
    q: str | None = None,
    category_id: int | None = None,
    status: str | None = None,
    brand_id: int | None = None,
    tag: str | None = None,
    attr: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    sort: str | None = None,
) -> dict[str, Any]:
    """Filter by text (name, pinyin, initials, code, barcode), category subtree, status,
    product brand, tag, and attributes (``attr=abv=53,volume_ml=300..600``); sort by ``id``
    (default), ``code``, ``-code``, ``name`` or ``-updated``. Pages are keyset cursors: page
    100 costs what page 1 costs."""
    order = selectors.sku_order(sort)
    attrs = [a for a in (attr or "").split(",") if a.strip()][:5]
    qs = selectors.sku_list(
        request.scope,
        q=q,
        category_id=category_id,
        status=status,
        brand_id=brand_id,
        tag=tag,
        attrs=attrs,
    )
    rows, next_cursor = keyset_page(
        qs.prefetch_related("barcodes"), order, cursor=cursor, limit=limit, tag="catalog.skus"
    )
    return {"items": rows, "next_cursor": next_cursor}


@router.get("/skus/{sku_id}", auth=VIEW, response={200: SkuOut, **READ_ERRORS})
def get_sku(request: HttpRequest, sku_id: int) -> Any:
    return _sku(request, sku_id)


@router.post("/skus", auth=MANAGE, response={201: SkuOut, **WRITE_ERRORS})
def create_sku(request: HttpRequest, payload: SkuIn) -> tuple[int, Any]:
    product = (
        selectors.products(request.scope)
        .select_related("brand", "category", "product_brand")
        .filter(pk=payload.product_id)
        .first()
    )
    if product is None:
        raise NotFound(_("product"))
    spec = services.SkuSpec(
        name=payload.name,
        spec=payload.spec,
        code=payload.code,
        name_en=payload.name_en,
        short_name=payload.short_name,
        uom=payload.uom,
        tracks_batches=payload.tracks_batches,
        shelf_life_days=payload.shelf_life_days,
        attributes=payload.attributes,
        barcodes=[
            services.BarcodeSpec(b.code, b.pack_quantity, b.is_primary) for b in payload.barcodes
        ],
    )
    return 201, services.create_sku(product, spec)


@router.patch("/skus/{sku_id}", auth=MANAGE, response={200: SkuOut, **WRITE_ERRORS})
def update_sku(request: HttpRequest, sku_id: int, payload: SkuPatch) -> Any:
    return services.update_sku(_sku(request, sku_id), payload.dict(exclude_unset=True))


@router.post("/skus/{sku_id}/barcodes", auth=MANAGE, response={201: BarcodeOut, **WRITE_ERRORS})
def add_barcode(request: HttpRequest, sku_id: int, payload: BarcodeIn) -> tuple[int, Any]:
    sku = _sku(request, sku_id)
    return 201, services.add_barcode(
        sku, services.BarcodeSpec(payload.code, payload.pack_quantity, payload.is_primary)
    )


@router.post("/skus/{sku_id}/status", auth=MANAGE, response={200: LifecycleOut, **WRITE_ERRORS})
def change_status(request: HttpRequest, sku_id: int, payload: StatusIn) -> Any:
    return services.change_status(
        _sku(request, sku_id),
        payload.status,
        effective_at=payload.effective_at,
        reason=payload.reason,
    )


@router.get("/barcodes/{code}", auth=VIEW, response={200: SkuOut, **READ_ERRORS})
def scan(request: HttpRequest, code: str) -> Any:
    """POS scan: barcode → SKU (pack barcodes included)."""
    hit = Barcode.objects.filter(code=code[:14]).values_list("sku_id", flat=True).first()
    if hit is None:
        raise NotFound(_("barcode"))
    return _sku(request, hit)


@router.get("/skus/{sku_id}/sellable", auth=VIEW, response={200: SellableOut, **READ_ERRORS})
def sellable(request: HttpRequest, sku_id: int, channel: str = "pos") -> Any:
    return restrictions.check_sellable(_sku(request, sku_id), channel[:20])


# --- Prices --------------------------------------------------------------------------------------


@router.get("/skus/{sku_id}/prices", auth=VIEW, response={200: list[PriceOut], **READ_ERRORS})
def price_history(request: HttpRequest, sku_id: int) -> list[Any]:
    sku = _sku(request, sku_id)
    return pricing.price_history(sku.pk, store_ids=set(request.scope.store_ids))


@router.post("/skus/{sku_id}/prices", auth=PRICE, response={201: PriceOut, **WRITE_ERRORS})
def set_price(request: HttpRequest, sku_id: int, payload: PriceIn) -> tuple[int, Any]:
    """Set or schedule a price. Store overrides need the store in the caller's scope (else 404);
    chain-wide prices need a brand-wide role."""
    sku = _sku(request, sku_id)
    store = None
    if payload.store_id is not None:
        store = Store.objects.filter(pk=payload.store_id, pk__in=request.scope.store_ids).first()
        if store is None:
            raise NotFound(_("store"))
    elif sku.product.brand_id not in request.scope.brand_ids:
        raise NotFound(_("store"), {"hint": "store_id required for store-scoped callers"})
    entry = pricing.set_price(
        sku,
        kind=payload.kind,
        amount=payload.amount,
        channel=payload.channel,
        store=store,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return 201, entry


@router.get("/esl/{store_id}/changes", auth=VIEW, response={200: LabelFeed, **READ_ERRORS})
def esl_changes(
    request: HttpRequest, store_id: int, cursor: str | None = None, limit: int = 200
) -> dict[str, Any]:
    """Electronic shelf labels: label changes of one store since ``cursor`` (device token)."""
    store = Store.objects.filter(pk=store_id, pk__in=request.scope.store_ids).first()
    if store is None:
        raise NotFound(_("store"))
    lines, next_cursor = pricing.esl_changes(store, cursor, limit)
    return {"items": lines, "cursor": next_cursor}


@router.get("/esl/{store_id}/labels", auth=VIEW, response={200: LabelFeed, **READ_ERRORS})
def esl_labels(
    request: HttpRequest, store_id: int, cursor: str | None = None, limit: int = 500
) -> dict[str, Any]:
    """A store's full label set (every SKU on its floor, price in force), 500 per page; the
    last page answers ``cursor: null``. Labels then follow ``/changes``."""
    store = (
        Store.objects.filter(pk=store_id, pk__in=request.scope.store_ids).first()
        if 0 < store_id < 2**62
        else None
    )
    if store is None:
        raise NotFound(_("store"))
    lines, next_cursor = labels.full_label_set(store, cursor, limit)
    return {"items": lines, "cursor": next_cursor}


# --- Restrictions, media, import ----------------------------------------------------------------


@router.get("/restrictions", auth=VIEW, response={200: list[RestrictionOut], **READ_ERRORS})
def list_restrictions(request: HttpRequest) -> list[Any]:
    brands = selectors.visible_brand_ids(request.scope)
    return list(
        SaleRestriction.objects.filter(category__brand_id__in=brands).order_by("pk")[:1000]
    ) + list(
        SaleRestriction.objects.filter(sku__product__brand_id__in=brands).order_by("pk")[:1000]
    )


@router.post("/restrictions", auth=MANAGE, response={201: RestrictionOut, **WRITE_ERRORS})
def add_restriction(request: HttpRequest, payload: RestrictionIn) -> tuple[int, Any]:
    category = _category(request, payload.category_id)
    sku = _sku(request, payload.sku_id) if payload.sku_id is not None else None
    return 201, restrictions.add_restriction(
        kind=payload.kind,
        category=category,
        sku=sku,
        channel=payload.channel,
        min_age=payload.min_age,
        display_allowed=payload.display_allowed,
        note=payload.note,
    )


@router.post("/skus/{sku_id}/media", auth=MANAGE, response={201: MediaOut, **WRITE_ERRORS})
def upload_media(request: HttpRequest, sku_id: int, file: File[UploadedFile]) -> tuple[int, Any]:
    sku = _sku(request, sku_id)
    return 201, media.add_media(sku.product, file, sku=sku)


@router.post("/import/products", auth=MANAGE, response={200: ImportOut, **WRITE_ERRORS})
def import_products(
    request: HttpRequest, file: File[UploadedFile], dry_run: bool = True
) -> dict[str, Any]:
    """Upload a CSV/XLSX; ``dry_run`` (default) validates only. A file with any bad row
    applies nothing and lists every problem."""
    if (file.size or 0) > 50 * 1024 * 1024:
        raise ValidationFailed(CatalogError.IMPORT_FORMAT, _("The file is larger than 50 MB."))
    report = importer.run_import(
        _brand(request), file.name or "upload.csv", file.read(), dry_run=dry_run
    )
    return report.summary()
