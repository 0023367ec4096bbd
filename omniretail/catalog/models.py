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
from omniretail.core.money import MoneyField


class LifecycleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    DISCONTINUED = "discontinued", _("Discontinued")
    ARCHIVED = "archived", _("Archived")


class Category(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="categories")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    # Materialized path of zero-padded ids: "000001/000007/". Subtree = path__startswith.
    path = models.CharField(max_length=500, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(_("sort order"), default=0)
    near_expiry_days = models.PositiveIntegerField(
        _("near-expiry lead days"),
        null=True,
        blank=True,
        help_text=_(
            "Warn this many days before a batch expires; inherited by subcategories when empty."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="category_code_unique_per_brand")
        ]

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
    product_brand = models.ForeignKey(
        ProductBrand, on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    code = models.CharField(_("product code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.DRAFT
    )
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
    name = models.CharField(
        _("standard name"), max_length=250, help_text=_("brand + name + specification")
    )
    name_en = models.CharField(_("English name"), max_length=250, blank=True)
    short_name = models.CharField(
        _("short name"), max_length=60, blank=True, help_text=_("for receipts and shelf labels")
    )
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    uom = models.CharField(
        _("unit"), max_length=20, choices=UnitOfMeasure.choices, default=UnitOfMeasure.PIECE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.DRAFT
    )
    tracks_batches = models.BooleanField(_("tracks batches and expiry"), default=False)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    tax_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=2, default="0.13")
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        indexes = [
            models.Index(fields=["status", "product"], name="sku_status_product_idx"),
            # Keyset sorts of the back-office lists, with the usual status filter in front.
            models.Index(fields=["status", "code"], name="sku_status_code_idx"),
            models.Index(fields=["status", "name", "id"], name="sku_status_name_idx"),
            models.Index(fields=["status", "updated_at", "id"], name="sku_status_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=1), name="sku_tax_rate_range"
            ),
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
            models.CheckConstraint(
                condition=Q(pack_quantity__gte=1), name="barcode_pack_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.code


# --- Coding rule -------------------------------------------------------------------------------


class SkuCodeRule(models.Model):
    """How new SKU codes are made for a brand: prefix + zero-padded sequence.

    The sequence only moves forward, so a code once issued is never issued again even if the
    SKU is archived; ``Sku.code`` itself is immutable once the SKU left draft.
    """

    brand = models.OneToOneField(Brand, on_delete=models.PROTECT, related_name="sku_code_rule")
    prefix = models.CharField(_("prefix"), max_length=10, default="SKU")
    width = models.PositiveSmallIntegerField(_("digits"), default=7)
    next_number = models.PositiveBigIntegerField(_("next number"), default=1)
    in_house_next = models.PositiveBigIntegerField(_("next in-house barcode number"), default=1)

    class Meta:
        verbose_name = _("SKU coding rule")
        verbose_name_plural = _("SKU coding rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(width__gte=3) & Q(width__lte=12), name="sku_code_rule_width"
            )
        ]


# --- Attributes --------------------------------------------------------------------------------


class AttributeType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    ENUM = "enum", _("Choice")
    BOOLEAN = "boolean", _("Yes/no")


class AttributeDefinition(models.Model):
    """One typed attribute of the shared library (abv, volume_ml, aroma_type …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    type = models.CharField(_("type"), max_length=10, choices=AttributeType.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    min_value = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    max_value = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CategoryAttribute(models.Model):
    """The attribute set of a category (inherited by its subcategories)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attribute_links")
    attribute = models.ForeignKey(
        AttributeDefinition, on_delete=models.PROTECT, related_name="category_links"
    )
    required = models.BooleanField(_("required"), default=False)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "attribute"], name="category_attribute_unique"
            )
        ]


class SkuAttributeValue(models.Model):
    """Typed value rows next to ``Sku.attributes`` so filters are indexed queries."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(
        AttributeDefinition, on_delete=models.PROTECT, related_name="values"
    )
    value_text = models.CharField(max_length=200, blank=True)
    value_number = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "attribute"], name="sku_attribute_unique")
        ]
        indexes = [
            models.Index(fields=["attribute", "value_text"], name="sku_attr_text_idx"),
            models.Index(fields=["attribute", "value_number"], name="sku_attr_number_idx"),
        ]


# --- Tags --------------------------------------------------------------------------------------


class TagRule(models.TextChoices):
    MANUAL = "manual", _("Manual")
    NEW_ARRIVAL = "new_arrival", _("New arrival")
    HIGH_MARGIN = "high_margin", _("High margin")
    SUGGESTED = "suggested", _("Suggested by analytics")


class Tag(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="catalog_tags")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    rule = models.CharField(
        _("rule"), max_length=20, choices=TagRule.choices, default=TagRule.MANUAL
    )
    params = models.JSONField(_("rule parameters"), default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="tag_code_unique_per_brand")
        ]

    def __str__(self) -> str:
        return self.name


class TagSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Rule")
    SUGGESTED = "suggested", _("Suggested")


class SkuTag(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="sku_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="sku_tags")
    source = models.CharField(max_length=10, choices=TagSource.choices, default=TagSource.MANUAL)
    score = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    accepted = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sku", "tag"], name="sku_tag_unique")]


# --- Media -------------------------------------------------------------------------------------


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class ProductMedia(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    sku = models.ForeignKey(
        Sku, on_delete=models.CASCADE, null=True, blank=True, related_name="media"
    )
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    file = models.FileField(upload_to="catalog/media/%Y/%m/")
    thumbnail = models.FileField(upload_to="catalog/thumbs/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=50)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["sort_order", "pk"]


# --- Lifecycle ---------------------------------------------------------------------------------


class LifecycleChange(models.Model):
    """A requested status change; applied at ``effective_at`` (now or later)."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="lifecycle_changes")
    from_status = models.CharField(max_length=20, choices=LifecycleStatus.choices)
    to_status = models.CharField(max_length=20, choices=LifecycleStatus.choices)
    effective_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["applied_at", "effective_at"], name="lifecycle_due_idx")]


# --- Prices ------------------------------------------------------------------------------------


class PriceKind(models.TextChoices):
    LIST = "list", _("List price")
    MEMBER = "member", _("Member price")
    COST = "cost", _("Cost")


class Channel(models.TextChoices):
    POS = "pos", _("In store (POS)")
    ONLINE = "online", _("Online")
    MARKETPLACE = "marketplace", _("Marketplace")


class PriceEntry(models.Model):
    """One price for a period. Rows are never edited: a later row supersedes an earlier one,
    so the table is the full price history and a future ``starts_at`` is a scheduled change.

    Resolution picks the most specific row (store+channel > store > channel > base), then the
    latest ``starts_at``, then the latest row.
    """

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="prices")
    kind = models.CharField(max_length=10, choices=PriceKind.choices)
    channel = models.CharField(max_length=15, choices=Channel.choices, blank=True)
    store = models.ForeignKey(
        "core.Store", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = MoneyField(_("amount"))
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["sku", "kind", "starts_at"], name="price_sku_kind_start_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="price_period_ordered",
            ),
        ]


class LabelEvent(models.Model):
    """A moment a shelf label may need to change (a price starts or ends). The ESL feed walks
    these by ``(feed_at, id)`` and shows the price in force; ``store`` empty = every store."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="label_events")
    store = models.ForeignKey(
        "core.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    feed_at = models.DateTimeField()
    reason = models.CharField(max_length=30)

    class Meta:
        indexes = [models.Index(fields=["feed_at", "id"], name="label_event_feed_idx")]


# --- Restricted sale ---------------------------------------------------------------------------


class RestrictionKind(models.TextChoices):
    NOT_SELLABLE = "not_sellable", _("Not sellable on this channel")
    AGE_CHECK = "age_check", _("Age check required")


class SaleRestriction(models.Model):
    """A sale rule as data, on a category (and its subtree) or one SKU; channel empty = all."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="restrictions"
    )
    sku = models.ForeignKey(
        Sku, on_delete=models.CASCADE, null=True, blank=True, related_name="restrictions"
    )
    channel = models.CharField(max_length=15, choices=Channel.choices, blank=True)
    kind = models.CharField(max_length=20, choices=RestrictionKind.choices)
    min_age = models.PositiveSmallIntegerField(default=18)
    display_allowed = models.BooleanField(
        _("may be shown / reserved for in-store purchase"), default=True
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(category__isnull=False) & Q(sku__isnull=True))
                | (Q(category__isnull=True) & Q(sku__isnull=False)),
                name="restriction_targets_one",
            )
        ]


# --- Search ------------------------------------------------------------------------------------


class SearchToken(models.Model):
    """Our own search index (see pitfalls.md): one row per (token, SKU), prefix-matched with
    a range scan on the same B-tree index on SQLite and PostgreSQL."""

    token = models.CharField(max_length=64)
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["token", "sku"], name="search_token_idx"),
            models.Index(fields=["sku"], name="search_token_sku_idx"),
        ]
