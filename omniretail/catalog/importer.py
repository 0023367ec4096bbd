"""Bulk product import/export (CSV and Excel), idempotent by SKU code.

Import validates every row first (nothing is written if any row is wrong: the report lists
row, field, code and why for each). Then it applies in chunks of at most 1,000 rows, one short
transaction each (SQLite's write lock), with bulk statements. Running the same file twice
reports every row ``unchanged`` the second time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock, events
from omniretail.core.errors import DomainError
from omniretail.core.models import Brand
from omniretail.core.money import MoneyError, quantize

from . import barcodes as bc
from .attributes import AttributeDefinition, attribute_set, validate_attributes, value_rows
from .errors import CatalogError
from .models import (
    Barcode,
    Category,
    LabelEvent,
    LifecycleChange,
    LifecycleStatus,
    PriceEntry,
    PriceKind,
    Product,
    ProductBrand,
    Sku,
    SkuAttributeValue,
    UnitOfMeasure,
)
from .pricing import resolve_prices
from .search import reindex_skus
from .services import standard_name

COLUMNS = [
    "sku_code",
    "product_code",
    "category_code",
    "brand_code",
    "name",
    "name_en",
    "short_name",
    "spec",
    "uom",
    "status",
    "barcode",
    "pack_barcodes",
    "list_price",
    "member_price",
    "cost",
    "attributes",
]
REQUIRED = ("sku_code", "product_code", "category_code", "name")
PRICE_COLUMNS = {
    "list_price": PriceKind.LIST,
    "member_price": PriceKind.MEMBER,
    "cost": PriceKind.COST,
}
CHUNK = 1000


@dataclass
class RowIssue:
    field: str
    code: str
    message: str


@dataclass
class RowOutcome:
    row: int
    sku_code: str
    action: str = "unchanged"  # created | updated | unchanged | error | not_applied
    issues: list[RowIssue] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class ImportReport:
    dry_run: bool
    applied: bool = False
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def errors(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.issues]

    def summary(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "applied": self.applied,
            "rows": len(self.rows),
            **{
                a: self.count(a)
                for a in (
                    "created",
                    "updated",
                    "unchanged",
                    "error",
                    "not_applied",
                    "would_create",
                    "would_update",
                )
            },
            "errors": [
                {
                    "row": r.row,
                    "sku_code": r.sku_code,
                    "field": i.field,
                    "code": i.code,
                    "message": i.message,
                }
                for r in self.errors
                for i in r.issues
            ][:1000],
        }


# --- Reading -----------------------------------------------------------------------------------


def read_rows(name: str, content: bytes) -> Iterator[dict[str, str]]:
    """Rows as dicts of strings from a .csv (UTF-8, BOM tolerated) or .xlsx file."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a non-workbook
            raise DomainError(
                CatalogError.IMPORT_FORMAT, _("The file is not a readable Excel workbook.")
            ) from exc
        rows = wb.active.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, [])]
        for values in rows:
            yield {
                h: "" if v is None else str(v).strip()
                for h, v in zip(header, values, strict=False)
                if h
            }
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(CatalogError.IMPORT_FORMAT, _("CSV files must be UTF-8.")) from exc
    for record in csv.DictReader(io.StringIO(text)):
        yield {(k or "").strip(): (v or "").strip() for k, v in record.items() if k}


# --- Validation --------------------------------------------------------------------------------


class _Context:
    """Look-ups shared by all rows, loaded once."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self.categories = {c.code: c for c in Category.objects.filter(brand=brand)}
        self.product_brands = {b.code: b for b in ProductBrand.objects.all()}
        self.attr_sets: dict[int, Any] = {}
        self.seen_codes: set[str] = set()
        self.seen_barcodes: dict[str, str] = {}

    def attrs_for(self, category: Category) -> Any:
        if category.pk not in self.attr_sets:
            self.attr_sets[category.pk] = attribute_set(category)
        return self.attr_sets[category.pk]


def _parse_packs(text: str) -> list[tuple[str, int]]:
    packs = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        code, _sep, qty = part.partition("*")
        packs.append((code.strip(), int(qty or "1")))
    return packs


def _validate(row_no: int, raw: dict[str, str], ctx: _Context) -> RowOutcome:
    out = RowOutcome(row=row_no, sku_code=raw.get("sku_code", "")[:40])

    def issue(fld: str, code: str, message: str) -> None:
        out.issues.append(RowIssue(fld, str(code), str(message)))

    unknown = sorted(k for k in raw if k not in COLUMNS and not k.startswith("attr:"))
    for k in unknown:
        issue(k, CatalogError.IMPORT_INVALID, _("Unknown column."))
    for k in REQUIRED:
        if not raw.get(k):
            issue(k, CatalogError.IMPORT_INVALID, _("This column is required."))
    code = out.sku_code
    if code in ctx.seen_codes:
        issue("sku_code", CatalogError.DUPLICATE_CODE, _("The SKU code appears twice in the file."))
    ctx.seen_codes.add(code)
    category = ctx.categories.get(raw.get("category_code", ""))
    if raw.get("category_code") and category is None:
        issue("category_code", CatalogError.IMPORT_INVALID, _("Unknown category."))
    pb = None
    if raw.get("brand_code"):
        pb = ctx.product_brands.get(raw["brand_code"])
        if pb is None:
            issue("brand_code", CatalogError.IMPORT_INVALID, _("Unknown product brand."))
    uom = raw.get("uom") or UnitOfMeasure.PIECE
    if uom not in UnitOfMeasure.values:
        issue("uom", CatalogError.IMPORT_INVALID, _("Unknown unit of measure."))
    status = raw.get("status") or LifecycleStatus.DRAFT
    if status not in (LifecycleStatus.DRAFT, LifecycleStatus.ACTIVE):
        issue("status", CatalogError.IMPORT_INVALID, _("Status must be draft or active."))
    barcodes: list[tuple[str, int, bool]] = []
    try:
        packs = _parse_packs(raw.get("pack_barcodes", ""))
    except ValueError:
        packs = []
        issue(
            "pack_barcodes",
            CatalogError.INVALID_BARCODE,
            _("Write pack barcodes as code*quantity;code*quantity."),
        )
    if raw.get("barcode"):
        barcodes.append((raw["barcode"], 1, True))
    barcodes += [(c, q, False) for c, q in packs]
    for bcode, qty, _primary in barcodes:
        fld = "barcode" if _primary else "pack_barcodes"
        if not bc.is_valid_gtin(bcode) or len(bcode) == 14:
            issue(
                fld,
                CatalogError.INVALID_BARCODE,
                _("%(code)s is not a valid EAN-13, EAN-8 or UPC-A barcode.") % {"code": bcode[:20]},
            )
        elif qty < 1:
            issue(fld, CatalogError.INVALID_BARCODE, _("Units per scan must be at least 1."))
        elif ctx.seen_barcodes.setdefault(bcode, code) != code:
            issue(
                fld,
                CatalogError.DUPLICATE_BARCODE,
                _("Barcode %(code)s is used by another row.") % {"code": bcode},
            )
    if status == LifecycleStatus.ACTIVE and not raw.get("barcode"):
        issue(
            "barcode", CatalogError.INVALID_TRANSITION, _("An active SKU needs a primary barcode.")
        )
    prices: dict[str, Decimal] = {}
    for col, kind in PRICE_COLUMNS.items():
        if raw.get(col):
            try:
                value = quantize(raw[col])
                if value < 0 or value != Decimal(raw[col]) or value >= Decimal("100000000"):
                    raise MoneyError(raw[col])
                prices[kind] = value
            except (MoneyError, ArithmeticError):
                issue(
                    col,
                    CatalogError.NEGATIVE_PRICE,
                    _("A price must be zero or more, in whole fen."),
                )
    attrs: dict[str, Any] = {}
    if raw.get("attributes"):
        try:
            attrs = json.loads(raw["attributes"])
            if not isinstance(attrs, dict):
                raise ValueError
        except ValueError:
            issue(
                "attributes",
                CatalogError.INVALID_ATTRIBUTE_VALUE,
                _("Attributes must be a JSON object."),
            )
            attrs = {}
    attrs.update({k[5:]: v for k, v in raw.items() if k.startswith("attr:") and v != ""})
    cleaned: dict[str, Any] = {}
    if category is not None:
        try:
            cleaned = validate_attributes(category, attrs, ctx.attrs_for(category))
        except DomainError as exc:
            issue("attr:" + str(exc.details.get("attribute", "")), exc.code, exc.message)
    out.data = {
        "category": category,
        "product_brand": pb,
        "uom": uom,
        "status": status,
        "barcodes": barcodes,
        "prices": prices,
        "attributes": cleaned,
        "product_code": raw.get("product_code", "")[:40],
        "name": raw.get("name", "")[:200],
        "name_en": raw.get("name_en", "")[:250],
        "short_name": raw.get("short_name", "")[:60],
        "spec": raw.get("spec", "")[:100],
    }
    if out.issues:
        out.action = "error"
    return out


def _check_against_db(outcomes: list[RowOutcome]) -> None:
    """Barcodes already held by another SKU, and product codes of another brand/category."""
    for start in range(0, len(outcomes), CHUNK):
        chunk = [o for o in outcomes[start : start + CHUNK] if not o.issues]
        codes = {b[0]: o for o in chunk for b in o.data["barcodes"]}
        for bcode, owner in Barcode.objects.filter(code__in=list(codes)).values_list(
            "code", "sku__code"
        ):
            o = codes[bcode]
            if owner != o.sku_code:
                o.issues.append(
                    RowIssue(
                        "barcode",
                        CatalogError.DUPLICATE_BARCODE,
                        _("Barcode %(code)s belongs to SKU %(sku)s.")
                        % {"code": bcode, "sku": owner},
                    )
                )
                o.action = "error"


def run_import(
    brand: Brand,
    name: str,
    content: bytes,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    ctx = _Context(brand)
    for i, raw in enumerate(read_rows(name, content), start=2):
        report.rows.append(_validate(i, raw, ctx))
    _check_against_db(report.rows)
    if report.errors or dry_run:
        for o in report.rows:
            if not o.issues:
                o.action = "not_applied"
        if dry_run:
            _classify(report.rows)
        return report
    total = len(report.rows)
    for start in range(0, total, CHUNK):
        chunk = report.rows[start : start + CHUNK]
        try:
            _apply_chunk(brand, chunk)
        except DomainError as exc:
            for o in report.rows[start:]:
                o.action = "not_applied"
            chunk[0].issues.append(RowIssue("", exc.code, exc.message))
            chunk[0].action = "error"
            return report
        if progress:
            progress(min(start + CHUNK, total), total)
    report.applied = True
    if total >= 1000:
        from omniretail.core.maintenance import optimize_if_needed

        optimize_if_needed()
    return report


def _classify(rows: list[RowOutcome]) -> None:
    """For a dry run: would each valid row create or update?"""
    codes = [o.sku_code for o in rows if not o.issues]
    existing = set()
    for start in range(0, len(codes), CHUNK):
        existing |= set(
            Sku.objects.filter(code__in=codes[start : start + CHUNK]).values_list("code", flat=True)
        )
    for o in rows:
        if not o.issues:
            o.action = "would_update" if o.sku_code in existing else "would_create"


@transaction.atomic
def _apply_chunk(brand: Brand, rows: list[RowOutcome]) -> None:
    now = clock.now()
    codes = [o.sku_code for o in rows]
    skus = {s.code: s for s in Sku.objects.filter(code__in=codes).select_related("product")}
    products = {
        p.code: p for p in Product.objects.filter(code__in={o.data["product_code"] for o in rows})
    }
    new_products = []
    for o in rows:
        d = o.data
        if d["product_code"] not in products:
            p = Product(
                brand=brand,
                category=d["category"],
                product_brand=d["product_brand"],
                code=d["product_code"],
                name=d["name"],
                status=d["status"],
            )
            products[p.code] = p
            new_products.append(p)
        elif products[d["product_code"]].brand_id != brand.pk:
            raise DomainError(
                CatalogError.DUPLICATE_CODE,
                _("Product code %(code)s belongs to another brand.") % {"code": d["product_code"]},
            )
    Product.objects.bulk_create(new_products)
    creates, updates = [], []
    fields = ("name", "name_en", "short_name", "spec", "uom", "attributes")
    for o in rows:
        d = o.data
        pb = d["product_brand"]
        values = {
            "name": standard_name(pb.name if pb else "", d["name"], d["spec"]),
            "name_en": d["name_en"],
            "short_name": d["short_name"] or d["name"][:60],
            "spec": d["spec"],
            "uom": d["uom"],
            "attributes": d["attributes"],
        }
        sku = skus.get(o.sku_code)
        if sku is None:
            sku = Sku(
                product=products[d["product_code"]], code=o.sku_code, status=d["status"], **values
            )
            creates.append(sku)
            o.action = "created"
        elif any(getattr(sku, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(sku, f, v)
            updates.append(sku)
            o.action = "updated"
        skus[o.sku_code] = sku
    Sku.objects.bulk_create(creates)
    if updates:
        Sku.objects.bulk_update(updates, list(fields))
    LifecycleChange.objects.bulk_create(
        [
            LifecycleChange(
                sku=s,
                from_status=LifecycleStatus.DRAFT,
                to_status=s.status,
                effective_at=now,
                applied_at=now,
                reason="import",
                created_at=now,
            )
            for s in creates
            if s.status == LifecycleStatus.ACTIVE
        ]
    )
    by_code = {a.code: a for a in AttributeDefinition.objects.all()}
    changed_ids = [skus[o.sku_code].pk for o in rows if o.action in ("created", "updated")]
    SkuAttributeValue.objects.filter(sku_id__in=changed_ids).delete()
    SkuAttributeValue.objects.bulk_create(
        [
            r
            for o in rows
            if o.action in ("created", "updated")
            for r in value_rows(skus[o.sku_code].pk, o.data["attributes"], by_code)
        ]
    )
    have = set(
        Barcode.objects.filter(sku__in=[skus[c] for c in codes]).values_list("code", flat=True)
    )
    has_primary = set(
        Barcode.objects.filter(sku__in=[skus[c] for c in codes], is_primary=True).values_list(
            "sku_id", flat=True
        )
    )
    new_barcodes = []
    for o in rows:
        sku = skus[o.sku_code]
        for bcode, qty, primary in o.data["barcodes"]:
            if bcode not in have:
                new_barcodes.append(
                    Barcode(
                        sku=sku,
                        code=bcode,
                        kind=bc.classify(bcode, brand.gs1_prefix),
                        pack_quantity=qty,
                        is_primary=primary and sku.pk not in has_primary,
                    )
                )
                if o.action == "unchanged":
                    o.action = "updated"
                changed_ids.append(sku.pk)
    Barcode.objects.bulk_create(new_barcodes)
    ids = [skus[c].pk for c in codes]
    new_prices, labels = [], []
    for kind in PriceKind.values:
        current = resolve_prices(ids, kind, at=now)
        for o in rows:
            amount = o.data["prices"].get(kind)
            sku = skus[o.sku_code]
            if amount is None or (sku.pk in current and current[sku.pk].amount == amount):
                continue
            new_prices.append(
                PriceEntry(
                    sku=sku,
                    kind=kind,
                    amount=amount,
                    starts_at=now,
                    reason="import",
                    actor_label="import",
                    created_at=now,
                )
            )
            if kind != PriceKind.COST:
                labels.append(LabelEvent(sku=sku, feed_at=now, reason="price_starts"))
            if o.action == "unchanged":
                o.action = "updated"
    PriceEntry.objects.bulk_create(new_prices)
    LabelEvent.objects.bulk_create(labels)
    reindex_skus(sorted(set(changed_ids)))
    created = sum(1 for o in rows if o.action == "created")
    updated = sum(1 for o in rows if o.action == "updated")
    if created or updated:
        audit.record(
            "catalog.import.chunk",
            None,
            changes={"created": created, "updated": updated, "first_row": rows[0].row},
            brand_id=brand.pk,
        )
        events.publish(
            "catalog.import.applied",
            {
                "brand_id": brand.pk,
                "created": created,
                "updated": updated,
                "price_rows": len(new_prices),
            },
            aggregate_type="catalog.import",
        )


# --- Export ------------------------------------------------------------------------------------


def export_rows(brand: Brand) -> Iterator[dict[str, str]]:
    skus = (
        Sku.objects.filter(product__brand=brand)
        .select_related("product", "product__category", "product__product_brand")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(skus.filter(pk__gt=last)[:CHUNK])
        if not batch:
            return
        ids = [s.pk for s in batch]
        codes: dict[int, list[Barcode]] = {}
        for b in Barcode.objects.filter(sku_id__in=ids).order_by("-is_primary", "pk"):
            codes.setdefault(b.sku_id, []).append(b)
        prices = {k: resolve_prices(ids, k) for k in PriceKind.values}
        for s in batch:
            bars = codes.get(s.pk, [])
            primary = next((b.code for b in bars if b.is_primary), "")
            p = s.product
            yield {
                "sku_code": s.code,
                "product_code": p.code,
                "category_code": p.category.code,
                "brand_code": p.product_brand.code if p.product_brand else "",
                "name": p.name,
                "name_en": s.name_en,
                "short_name": s.short_name,
                "spec": s.spec,
                "uom": s.uom,
                "status": s.status
                if s.status in (LifecycleStatus.DRAFT, LifecycleStatus.ACTIVE)
                else LifecycleStatus.ACTIVE,
                "barcode": primary,
                "pack_barcodes": ";".join(
                    f"{b.code}*{b.pack_quantity}" for b in bars if b.code != primary
                ),
                "list_price": str(prices[PriceKind.LIST][s.pk].amount)
                if s.pk in prices[PriceKind.LIST]
                else "",
                "member_price": str(prices[PriceKind.MEMBER][s.pk].amount)
                if s.pk in prices[PriceKind.MEMBER]
                else "",
                "cost": str(prices[PriceKind.COST][s.pk].amount)
                if s.pk in prices[PriceKind.COST]
                else "",
                "attributes": json.dumps(s.attributes, ensure_ascii=False, sort_keys=True)
                if s.attributes
                else "",
            }
        last = ids[-1]


def write_export(brand: Brand, path: Path) -> int:
    rows = export_rows(brand)
    n = 0
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("products")
        ws.append(COLUMNS)
        for r in rows:
            ws.append([r[c] for c in COLUMNS])
            n += 1
        wb.save(path)
        return n
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow(r)
            n += 1
    return n
