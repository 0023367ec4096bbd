"""Core data: the organisation (brand → region → store → locations) and the shared machinery
every domain leans on — document numbers, the transactional outbox, idempotency records and
the append-only audit log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- Organisation -----------------------------------------------------------------------------


class Brand(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    gs1_prefix = models.CharField(
        _("GS1 company prefix"),
        max_length=10,
        blank=True,
        help_text=_("Digits used for in-house EAN-13 barcodes (e.g. 2 for store-internal)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="regions")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="region_code_unique_per_brand")
        ]

    def __str__(self) -> str:
        return self.name


class StoreType(models.TextChoices):
    TOBACCO_LIQUOR = "tobacco_liquor", _("Tobacco & liquor store")
    CONVENIENCE = "convenience", _("Convenience store")
    FLAGSHIP = "flagship", _("Flagship store")


class Store(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="stores")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="stores")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    store_type = models.CharField(_("store type"), max_length=20, choices=StoreType.choices)
    city = models.CharField(_("city"), max_length=50)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    fulfils_online = models.BooleanField(_("fulfils online orders"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="store_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="store_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LocationKind(models.TextChoices):
    STORE_FLOOR = "store_floor", _("Store floor")
    STORE_BACKROOM = "store_backroom", _("Store back room")
    FRONT_WAREHOUSE = "front_warehouse", _("Front warehouse")
    REGIONAL_WAREHOUSE = "regional_warehouse", _("Regional warehouse")
    CENTRAL_WAREHOUSE = "central_warehouse", _("Central warehouse")


STORE_LOCATION_KINDS = (LocationKind.STORE_FLOOR, LocationKind.STORE_BACKROOM)


class Location(models.Model):
    """A place that holds stock. Store floors and back rooms belong to a store; warehouses
    belong to a region (regional, front) or to the brand (central)."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="locations")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="locations", null=True, blank=True
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="locations", null=True, blank=True
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=LocationKind.choices)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    fulfils_online = models.BooleanField(_("fulfils online orders"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["store_floor", "store_backroom"], store__isnull=False)
                    | (~Q(kind__in=["store_floor", "store_backroom"]) & Q(store__isnull=True))
                ),
                name="location_store_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["regional_warehouse", "front_warehouse"])
                | Q(region__isnull=False),
                name="location_regional_warehouse_has_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- Document numbers -------------------------------------------------------------------------


class DocumentSequence(models.Model):
    """Per-prefix, per-day counters behind readable document numbers (SH001-20261122-000123)."""

    prefix = models.CharField(max_length=40)
    day = models.DateField()
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="document_sequence_unique")
        ]


# --- Outbox -----------------------------------------------------------------------------------


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Delivered")
    FAILED = "failed", _("Failed")


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seq = models.BigIntegerField(unique=True, null=True, editable=False)
    topic = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    aggregate_type = models.CharField(max_length=50, blank=True)
    aggregate_id = models.CharField(max_length=64, blank=True)
    store_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]
        ordering = ["created_at"]


class EventHandling(models.Model):
    """Marks that an in-process handler has applied an event; written in the handler's own
    transaction so a redelivered event is never applied twice."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="handlings")
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="event_handling_once")
        ]


class WebhookEndpoint(models.Model):
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="webhooks", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100)
    topics = models.JSONField(
        _("topics"), default=list, help_text=_("Topic names or prefixes ending in '*'.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def wants(self, topic: str) -> bool:
        for pattern in self.topics or ["*"]:
            if (
                pattern == "*"
                or pattern == topic
                or (pattern.endswith("*") and topic.startswith(pattern[:-1]))
            ):
                return True
        return False


class WebhookDelivery(models.Model):
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]


# --- Idempotency ------------------------------------------------------------------------------


class IdempotencyRecord(models.Model):
    """The stored outcome of a state-changing request made with an Idempotency-Key."""

    key = models.CharField(max_length=200)
    principal = models.CharField(max_length=100, help_text="user:<id> or token:<id>")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveIntegerField()
    response_body = models.BinaryField()
    content_type = models.CharField(max_length=100, default="application/json")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]


# --- Audit ------------------------------------------------------------------------------------


class AuditLog(models.Model):
    """Append-only: the model refuses updates and deletes, and database triggers refuse them too."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    brand_id = models.BigIntegerField(null=True, blank=True)
    store_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    device = models.CharField(max_length=100, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    is_pii_read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("audit log rows are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit log rows are append-only")
