"""Catalog: the single standard of product information (商品信息标准化).

Product (SPU) → SKU (sellable variant) → barcodes (several per SKU; pack barcodes carry a pack
quantity so a case of 6 scans as 6 units). Categories form a tree kept as a materialized path
so subtree queries are one indexed prefix match on both databases.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.models import Brand


class LifecycleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    DISCONTINUED = "discontinued", _("Discontinued")
    ARCHIVED = "archived", _("Archived")


class Category(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="categories")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    # Materialized path of zero-padded ids: "000001/000007/". Subtree = path__startswith.
    path = models.CharField(max_length=500, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(_("sort order"), default=0)
    near_expiry_days = models.PositiveIntegerField(
        _("near-expiry lead days"), null=True, blank=True,
        help_text=_("Warn this many days before a batch expires; inherited by subcategories when empty."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["brand", "code"], name="category_code_unique_per_brand")]

    def __str__(self) -> str:
        return self.name


class ProductBrand(models.Model):
    """The brand of the goods (贵州茅台, 五粮液, 中华) — not the retail chain's own brand."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("product brand")
        verbose_name_plural = _("product brands")

    def __str__(self) -> str:
        return self.name


class UnitOfMeasure(models.TextChoices):
    PIECE = "piece", _("piece")
    BOTTLE = "bottle", _("bottle")
    PACK = "pack", _("pack")
    CARTON = "carton", _("carton")
    BOX = "box", _("box")
    CAN = "can", _("can")
    BAG = "bag", _("bag")


class Product(models.Model):
    """SPU: what the shopper would call one product, whatever its variants."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    product_brand = models.ForeignKey(ProductBrand, on_delete=models.PROTECT, null=True, blank=True, related_name="products")
    code = models.CharField(_("product code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Sku(models.Model):
    """A sellable variant. ``code`` is immutable once used; prices live in price lists."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(_("SKU code"), max_length=40, unique=True)
    name = models.CharField(_("standard name"), max_length=250, help_text=_("brand + name + specification"))
    name_en = models.CharField(_("English name"), max_length=250, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True, help_text=_("for receipts and shelf labels"))
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    uom = models.CharField(_("unit"), max_length=20, choices=UnitOfMeasure.choices, default=UnitOfMeasure.PIECE)
    status = models.CharField(_("status"), max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.DRAFT)
    tracks_batches = models.BooleanField(_("tracks batches and expiry"), default=False)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    tax_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=2, default="0.13")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        indexes = [models.Index(fields=["status", "product"], name="sku_status_product_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="sku_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BarcodeKind(models.TextChoices):
    EAN13 = "ean13", "EAN-13"
    EAN8 = "ean8", "EAN-8"
    UPCA = "upca", "UPC-A"
    INTERNAL = "internal", _("In-house EAN-13")


class Barcode(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(_("barcode"), max_length=14, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=BarcodeKind.choices)
    pack_quantity = models.PositiveIntegerField(_("units per scan"), default=1)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("barcode")
        verbose_name_plural = _("barcodes")
        constraints = [
            models.CheckConstraint(condition=Q(pack_quantity__gte=1), name="barcode_pack_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.code
