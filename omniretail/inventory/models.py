"""Inventory: an append-only stock ledger and the projections kept equal to it.

``Movement`` rows are the truth and are never updated or deleted. ``StockBatch`` (on hand per
SKU × location × batch) and ``StockLevel`` (per SKU × location: on hand, reserved, policy and
moving-average cost) are projections written in the same transaction as each movement; the
registered invariants check that they equal the ledger sums. CHECK constraints are the last
guard against overselling: ``reserved <= on_hand`` and ``on_hand >= 0`` unless the location
allows negative stock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.models import Location

DEFAULT_LOT = ""


class Batch(models.Model):
    """A lot of one SKU. SKUs without batch tracking hold their stock in the default lot ("")."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="batches")
    lot_code = models.CharField(_("lot code"), max_length=40, blank=True)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(fields=["sku", "lot_code"], name="batch_lot_unique_per_sku"),
            models.CheckConstraint(
                condition=Q(production_date__isnull=True)
                | Q(expiry_date__isnull=True)
                | Q(expiry_date__gte=F("production_date")),
                name="batch_expiry_after_production",
            ),
        ]

    def __str__(self) -> str:
        return self.lot_code or str(_("default lot"))


class StockLevel(models.Model):
    """Per SKU × location: the on-hand total, reservations and the stock policy."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    reserved = models.BigIntegerField(_("reserved"), default=0)
    safety_buffer = models.PositiveIntegerField(_("safety buffer"), default=0)
    walk_in_keep = models.PositiveIntegerField(
        _("kept for walk-in customers"),
        default=0,
        help_text=_("Units online channels may not take."),
    )
    online_excluded = models.BooleanField(_("excluded from online"), default=False)
    allow_negative = models.BooleanField(_("allows negative stock"), default=False)
    min_qty = models.PositiveIntegerField(_("minimum"), null=True, blank=True)
    max_qty = models.PositiveIntegerField(_("maximum"), null=True, blank=True)
    reorder_point = models.PositiveIntegerField(_("reorder point"), null=True, blank=True)
    # Moving weighted average: value_fen is the cost of the on-hand units, in fen.
    value_fen = models.BigIntegerField(_("stock value (fen)"), default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["sku", "location"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_nonneg"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")) | Q(reserved=0),
                name="stock_reserved_lte_on_hand",
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0) | Q(allow_negative=True),
                name="stock_on_hand_nonneg",
            ),
        ]
        indexes = [models.Index(fields=["location", "sku"], name="stock_level_loc_sku_idx")]

    @property
    def avg_cost_fen(self) -> int:
        return self.value_fen // self.on_hand if self.on_hand > 0 else 0


class StockBatch(models.Model):
    """On hand per SKU × location × batch; always the ledger sum for that key."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    allow_negative = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sku", "location", "batch"], name="stock_batch_unique"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0) | Q(allow_negative=True),
                name="stock_batch_on_hand_nonneg",
            ),
        ]


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Goods receipt")
    SALE = "sale", _("Sale")
    RETURN = "return", _("Customer return")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT_VARIANCE = "count_variance", _("Count variance")
    WRITE_OFF = "write_off", _("Damage / write-off")
    RELOCATION = "relocation", _("FEFO relocation")


class Movement(models.Model):
    """One stock movement. Append-only: the model refuses updates and deletes."""

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(_("reference document"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"))
    unit_cost_fen = models.BigIntegerField(_("unit cost (fen)"), default=0)
    # Signed cost of the movement; a sale's negative value is its COGS.
    value_fen = models.BigIntegerField(_("value (fen)"), default=0)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["sku", "location", "id"], name="movement_card_idx"),
            models.Index(fields=["reference"], name="movement_reference_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_nonzero")
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("stock movements are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("stock movements are append-only")


class AppliedOperation(models.Model):
    """Client references of applied sales/receipts: inserted in the operation's transaction,
    its unique key makes a retried request a no-op instead of a second movement."""

    key = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=20)
    created_at = models.DateTimeField()


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in / POS")
    ONLINE = "online", _("Online")
    MARKETPLACE = "marketplace", _("Marketplace")


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RELEASED = "released", _("Released")
    EXPIRED = "expired", _("Expired")
    FULFILLED = "fulfilled", _("Fulfilled")


class Reservation(models.Model):
    """Stock held for an order line; ``reference`` is the client's key (one per order line)."""

    reference = models.CharField(_("reference"), max_length=100, unique=True)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReservationStatus.choices,
        default=ReservationStatus.ACTIVE,
    )
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        indexes = [models.Index(fields=["status", "expires_at"], name="reservation_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_qty_positive")
        ]


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    SHIPPED = "shipped", _("In transit")
    RECEIVED = "received", _("Received")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    source = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TransferStatus.choices,
        default=TransferStatus.REQUESTED,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("destination")), name="transfer_distinct_locations"
            )
        ]

    def __str__(self) -> str:
        return self.number


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("requested"))
    shipped = models.PositiveIntegerField(_("shipped"), default=0)
    received = models.PositiveIntegerField(_("received"), default=0)
    # What left the source, per batch: {"<batch id>": qty, …}, so receipt keeps the lots.
    shipped_batches = models.JSONField(default=dict)
    shipped_value_fen = models.BigIntegerField(default=0)


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class TransferDiscrepancy(models.Model):
    """Shipped ≠ received on a line: ``quantity`` is received − shipped (negative = short)."""

    line = models.ForeignKey(TransferLine, on_delete=models.CASCADE, related_name="discrepancies")
    quantity = models.BigIntegerField()
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    resolution = models.CharField(max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)


class CountKind(models.TextChoices):
    FULL = "full", _("Full count")
    CYCLE = "cycle", _("Cycle count")


class CountStatus(models.TextChoices):
    OPEN = "open", _("Counting")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


class StockCount(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=CountKind.choices)
    blind = models.BooleanField(_("blind count"), default=True)
    zone = models.CharField(_("zone"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CountStatus.choices, default=CountStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class CountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    expected = models.BigIntegerField(_("expected"), default=0)
    counted = models.BigIntegerField(_("counted"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["count", "sku"], name="count_line_unique"),
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted__gte=0), name="count_nonneg"
            ),
        ]

    @property
    def variance(self) -> int:
        return (self.counted or 0) - self.expected


class EpcMapping(models.Model):
    """RFID tag (EPC) → SKU."""

    epc = models.CharField(max_length=64, unique=True)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")


class CountRead(models.Model):
    """One EPC seen in a count session; unique per session, so repeated reads count once."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="reads")
    epc = models.CharField(max_length=64)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["count", "epc"], name="count_read_once_per_session")
        ]


class AlertKind(models.TextChoices):
    LOW_STOCK = "low_stock", _("Low stock")
    OVERSTOCK = "overstock", _("Overstock")
    NEAR_EXPIRY = "near_expiry", _("Near expiry")
    NEGATIVE_ATTEMPT = "negative_attempt", _("Oversell attempt")


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, null=True, related_name="+")
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock alert")
        verbose_name_plural = _("stock alerts")
        ordering = ["-created_at", "-id"]
