"""Catalog writes: products, SKUs, barcodes, lifecycle.

Each function is one transaction that validates everything before writing, records an audit
row with the changed fields and publishes an outbox event, so a refused change leaves nothing
behind and every accepted one is traceable (the audit rows are the change history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.context import current_actor
from omniretail.core.errors import Conflict, InvalidState, ValidationFailed
from omniretail.core.models import Brand

from . import barcodes as bc
from .attributes import validate_attributes, write_values
from .errors import CatalogError
from .models import (
    Barcode,
    Category,
    LifecycleChange,
    LifecycleStatus,
    Product,
    ProductBrand,
    Sku,
    SkuCodeRule,
    UnitOfMeasure,
)
from .search import reindex_skus

S = LifecycleStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.ACTIVE, S.ARCHIVED},
    S.ACTIVE: {S.DISCONTINUED},
    S.DISCONTINUED: {S.ACTIVE, S.ARCHIVED},
    S.ARCHIVED: set(),
}


def standard_name(brand_name: str, name: str, spec: str) -> str:
    """brand + name + specification, without repeating the brand (贵州茅台 飞天 53%vol 500ml)."""
    parts = [brand_name] if brand_name and not name.startswith(brand_name) else []
    parts += [name, spec]
    return " ".join(p.strip() for p in parts if p and p.strip())[:250]


@transaction.atomic
def next_sku_code(brand: Brand) -> str:
    """The next code of the brand's coding rule; the counter only moves forward."""
    rule, _created = SkuCodeRule.objects.select_for_update().get_or_create(brand=brand)
    while True:
        code = f"{rule.prefix}{rule.next_number:0{rule.width}d}"
        rule.next_number += 1
        if not Sku.objects.filter(code=code).exists():
            break
    rule.save(update_fields=["next_number"])
    return code


@transaction.atomic
def create_product_brand(*, code: str, name: str, name_en: str = "") -> ProductBrand:
    if ProductBrand.objects.filter(code=code).exists():
        raise Conflict(
            CatalogError.DUPLICATE_CODE,
            _("Brand code %(code)s is already used.") % {"code": code},
            {"field": "code"},
        )
    pb = ProductBrand.objects.create(code=code, name=name, name_en=name_en)
    audit.record("catalog.product_brand.create", pb, changes={"code": code, "name": name})
    return pb


@transaction.atomic
def create_product(
    brand: Brand,
    *,
    code: str,
    name: str,
    category: Category,
    product_brand: ProductBrand | None = None,
    name_en: str = "",
    description: str = "",
    description_en: str = "",
) -> Product:
    if category.brand_id != brand.pk:
        raise ValidationFailed(
            CatalogError.CATEGORY_BRAND_MISMATCH, _("The category belongs to another brand.")
        )
    if Product.objects.filter(code=code).exists():
        raise Conflict(
            CatalogError.DUPLICATE_CODE,
            _("Product code %(code)s is already used.") % {"code": code},
            {"field": "code", "code": code},
        )
    product = Product.objects.create(
        brand=brand,
        category=category,
        product_brand=product_brand,
        code=code,
        name=name,
        name_en=name_en,
        description=description,
        description_en=description_en,
    )
    audit.record(
        "catalog.product.create", product, changes={"code": code, "name": name}, brand_id=brand.pk
    )
    return product


@dataclass
class BarcodeSpec:
    code: str | None = None  # None = issue an in-house EAN-13
    pack_quantity: int = 1
    is_primary: bool = False


@dataclass
class SkuSpec:
    name: str = ""
    spec: str = ""
    code: str | None = None
    name_en: str = ""
    short_name: str = ""
    uom: str = UnitOfMeasure.PIECE
    tracks_batches: bool = False
    shelf_life_days: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    barcodes: list[BarcodeSpec] = field(default_factory=list)


def _check_barcodes(
    brand: Brand, specs: list[BarcodeSpec], exclude_sku: int | None = None
) -> list[tuple[str, str]]:
    seen: set[str] = set()
    result = []
    for spec in specs:
        if spec.pack_quantity < 1:
            raise ValidationFailed(
                CatalogError.INVALID_BARCODE,
                _("Units per scan must be at least 1."),
                {"pack_quantity": spec.pack_quantity},
            )
        if spec.code is None:
            continue
        code = spec.code.strip()
        kind = bc.classify(code, brand.gs1_prefix)
        taken = Barcode.objects.filter(code=code)
        if exclude_sku is not None:
            taken = taken.exclude(sku_id=exclude_sku)
        if code in seen or taken.exists():
            raise Conflict(
                CatalogError.DUPLICATE_BARCODE,
                _("Barcode %(code)s is already used.") % {"code": code},
                {"barcode": code},
            )
        seen.add(code)
        result.append((code, str(kind)))
    return result


@transaction.atomic
def create_sku(product: Product, spec: SkuSpec) -> Sku:
    """A new draft SKU with validated attributes and barcodes (the first is primary unless
    one says otherwise)."""
    brand = product.brand
    if spec.uom not in UnitOfMeasure.values:
        raise ValidationFailed(
            CatalogError.INVALID_ATTRIBUTE_VALUE, _("Unknown unit of measure."), {"field": "uom"}
        )
    cleaned = validate_attributes(product.category, spec.attributes)
    _check_barcodes(brand, spec.barcodes)
    code = (spec.code or "").strip() or next_sku_code(brand)
    if Sku.objects.filter(code=code).exists():
        raise Conflict(
            CatalogError.DUPLICATE_CODE,
            _("SKU code %(code)s is already used.") % {"code": code},
            {"field": "code", "code": code},
        )
    brand_name = product.product_brand.name if product.product_brand else ""
    sku = Sku.objects.create(
        product=product,
        code=code,
        name=standard_name(brand_name, spec.name or product.name, spec.spec),
        name_en=spec.name_en,
        short_name=spec.short_name or (spec.name or product.name)[:60],
        spec=spec.spec,
        uom=spec.uom,
        tracks_batches=spec.tracks_batches,
        shelf_life_days=spec.shelf_life_days,
        attributes=cleaned,
    )
    write_values(sku.pk, cleaned)
    has_primary = any(b.is_primary for b in spec.barcodes)
    for i, b in enumerate(spec.barcodes):
        _add_barcode_row(sku, brand, b, primary=b.is_primary or (not has_primary and i == 0))
    reindex_skus([sku.pk])
    audit.record(
        "catalog.sku.create",
        sku,
        changes={"code": code, "name": sku.name, "attributes": cleaned},
        brand_id=brand.pk,
    )
    events.publish(
        "catalog.sku.created",
        {"sku_id": sku.pk, "code": code},
        aggregate_type="catalog.sku",
        aggregate_id=sku.pk,
    )
    return sku


def _add_barcode_row(sku: Sku, brand: Brand, spec: BarcodeSpec, *, primary: bool) -> Barcode:
    code = spec.code.strip() if spec.code else bc.next_in_house_ean13(brand)
    kind = bc.classify(code, brand.gs1_prefix)
    if primary:
        Barcode.objects.filter(sku=sku, is_primary=True).update(is_primary=False)
    try:
        with transaction.atomic():
            return Barcode.objects.create(
                sku=sku, code=code, kind=kind, pack_quantity=spec.pack_quantity, is_primary=primary
            )
    except IntegrityError as exc:
        raise Conflict(
            CatalogError.DUPLICATE_BARCODE,
            _("Barcode %(code)s is already used.") % {"code": code},
            {"barcode": code},
        ) from exc


@transaction.atomic
def add_barcode(sku: Sku, spec: BarcodeSpec) -> Barcode:
    brand = sku.product.brand
    _check_barcodes(brand, [spec])
    primary = spec.is_primary or not sku.barcodes.exists()
    barcode = _add_barcode_row(sku, brand, spec, primary=primary)
    reindex_skus([sku.pk])
    audit.record(
        "catalog.barcode.add",
        sku,
        changes={"barcode": barcode.code, "pack_quantity": barcode.pack_quantity},
        brand_id=brand.pk,
    )
    events.publish(
        "catalog.sku.updated",
        {"sku_id": sku.pk, "barcode": barcode.code},
        aggregate_type="catalog.sku",
        aggregate_id=sku.pk,
    )
    return barcode


EDITABLE = ("name", "name_en", "short_name", "spec", "uom", "tracks_batches", "shelf_life_days")


@transaction.atomic
def update_sku(sku: Sku, changes: dict[str, Any]) -> Sku:
    """Edit a SKU. The code may change only while the SKU is a draft (once used, never)."""
    sku = (
        Sku.objects.select_for_update()
        .select_related("product__category", "product__brand")
        .get(pk=sku.pk)
    )
    before = {f: getattr(sku, f) for f in (*EDITABLE, "code", "attributes")}
    if "code" in changes and changes["code"] != sku.code:
        if sku.status != S.DRAFT:
            raise InvalidState(
                CatalogError.CODE_IMMUTABLE,
                _("The SKU code cannot change once the SKU has been activated."),
                {"code": sku.code},
            )
        if Sku.objects.filter(code=changes["code"]).exclude(pk=sku.pk).exists():
            raise Conflict(
                CatalogError.DUPLICATE_CODE,
                _("SKU code %(code)s is already used.") % {"code": changes["code"]},
                {"field": "code"},
            )
        sku.code = changes["code"]
    if "uom" in changes and changes["uom"] not in UnitOfMeasure.values:
        raise ValidationFailed(
            CatalogError.INVALID_ATTRIBUTE_VALUE, _("Unknown unit of measure."), {"field": "uom"}
        )
    for f in EDITABLE:
        if f in changes and changes[f] is not None:
            setattr(sku, f, changes[f])
    if "attributes" in changes and changes["attributes"] is not None:
        sku.attributes = validate_attributes(sku.product.category, changes["attributes"])
        write_values(sku.pk, sku.attributes)
    sku.save()
    after = {f: getattr(sku, f) for f in before}
    diff = audit.diff(before, after)
    if diff:
        reindex_skus([sku.pk])
        audit.record("catalog.sku.update", sku, changes=diff, brand_id=sku.product.brand_id)
        events.publish(
            "catalog.sku.updated",
            {"sku_id": sku.pk, "fields": sorted(diff)},
            aggregate_type="catalog.sku",
            aggregate_id=sku.pk,
        )
    return sku


@transaction.atomic
def change_status(
    sku: Sku, to_status: str, *, effective_at: dt.datetime | None = None, reason: str = ""
) -> LifecycleChange:
    """Request a lifecycle step; applied now, or at ``effective_at`` by ``apply_due_changes``.

    Activation requires a valid primary barcode, so every active SKU can be scanned.
    """
    sku = Sku.objects.select_for_update().get(pk=sku.pk)
    now = clock.now()
    pending = (
        LifecycleChange.objects.filter(sku=sku, applied_at__isnull=True, cancelled_at__isnull=True)
        .order_by("-effective_at")
        .first()
    )
    from_status = pending.to_status if pending else sku.status
    if to_status not in TRANSITIONS.get(from_status, set()):
        raise InvalidState(
            CatalogError.INVALID_TRANSITION,
            _("A %(from)s SKU cannot become %(to)s.") % {"from": from_status, "to": to_status},
            {
                "from": from_status,
                "to": to_status,
                "allowed": sorted(TRANSITIONS.get(from_status, set())),
            },
        )
    if to_status == S.ACTIVE and not Barcode.objects.filter(sku=sku, is_primary=True).exists():
        raise InvalidState(
            CatalogError.INVALID_TRANSITION,
            _("A SKU needs a primary barcode before it can be activated."),
            {"to": to_status},
        )
    change = LifecycleChange.objects.create(
        sku=sku,
        from_status=from_status,
        to_status=to_status,
        effective_at=effective_at if effective_at and effective_at > now else now,
        reason=reason[:200],
        actor_label=current_actor().label[:150],
        created_at=now,
    )
    if change.effective_at <= now:
        _apply(change, sku)
    return change


def _apply(change: LifecycleChange, sku: Sku) -> None:
    old = sku.status
    sku.status = change.to_status
    sku.save(update_fields=["status", "updated_at"])
    change.applied_at = clock.now()
    change.save(update_fields=["applied_at"])
    if change.to_status == S.ACTIVE:
        Product.objects.filter(pk=sku.product_id, status=S.DRAFT).update(status=S.ACTIVE)
    audit.record(
        "catalog.sku.status", sku, changes={"status": [old, change.to_status]}, reason=change.reason
    )
    events.publish(
        "catalog.sku.status_changed",
        {"sku_id": sku.pk, "from": old, "to": change.to_status},
        aggregate_type="catalog.sku",
        aggregate_id=sku.pk,
    )


def apply_due_changes(limit: int = 500) -> int:
    """Apply scheduled lifecycle changes whose time has come (run by a periodic job)."""
    done = 0
    due = (
        LifecycleChange.objects.filter(
            applied_at__isnull=True, cancelled_at__isnull=True, effective_at__lte=clock.now()
        )
        .order_by("effective_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(due):
        with transaction.atomic():
            change = LifecycleChange.objects.select_for_update().get(pk=pk)
            if change.applied_at is None and change.cancelled_at is None:
                _apply(change, Sku.objects.select_for_update().get(pk=change.sku_id))
                done += 1
    return done
