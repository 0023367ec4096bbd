"""One order model for every channel (POS, online, marketplace, phone, group).

Money is integer fen (``MoneyField``); the order's totals are the sums of its lines, and each
line's net is ``quantity × unit price − discount`` (kept by CHECK constraints and invariants).
Status changes only through ``state.transition`` so each one leaves an ``OrderEvent`` and an
outbox event.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.models import Location, Store
from omniretail.core.money import MoneyField


class OrderChannel(models.TextChoices):
    POS = "pos", _("In store (POS)")
    ONLINE = "online", _("Online")
    MARKETPLACE = "marketplace", _("Marketplace")
    PHONE = "phone", _("Phone")
    GROUP = "group", _("Group buying")


class FulfilmentMode(models.TextChoices):
    POS_CARRY_OUT = "pos_carry_out", _("Carry out at the till")
    PICKUP = "pickup", _("Pick up in store")
    SHIP = "ship", _("Ship")
    DELIVERY = "delivery", _("Local delivery")


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Created")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    ALLOCATED = "allocated", _("Allocated")
    PICKING = "picking", _("Picking")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    SHIPPED = "shipped", _("Shipped")
    PARTIALLY_FULFILLED = "partially_fulfilled", _("Partially fulfilled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


CLOSED_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED})


class Order(models.Model):
    number = models.CharField(_("number"), max_length=64, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=OrderChannel.choices)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="orders", verbose_name=_("fulfilled from")
    )
    member_id = models.BigIntegerField(_("member"), null=True, blank=True)
    fulfilment_mode = models.CharField(
        _("fulfilment"), max_length=20, choices=FulfilmentMode.choices
    )
    status = models.CharField(
        _("status"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.CREATED
    )
    list_total = MoneyField(_("list total"), default=0)
    discount_total = MoneyField(_("discount"), default=0)
    total = MoneyField(_("total"), default=0)
    external_order_id = models.CharField(_("external order id"), max_length=64, blank=True)
    reference = models.CharField(_("client reference"), max_length=100, unique=True)
    pickup_code = models.CharField(_("pickup code"), max_length=6, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    # Where a delivery or parcel goes, and when the customer wants it (same-day delivery).
    delivery_latitude = models.FloatField(_("delivery latitude"), null=True, blank=True)
    delivery_longitude = models.FloatField(_("delivery longitude"), null=True, blank=True)
    delivery_window_start = models.DateTimeField(_("deliver from"), null=True, blank=True)
    delivery_window_end = models.DateTimeField(_("deliver by"), null=True, blank=True)
    # Orders split by routing share the group (the client's reference).
    split_group = models.CharField(_("split group"), max_length=100, blank=True)
    # SLA clock: paid → ready/dispatched.
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("promised by"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("ready/dispatched at"), null=True, blank=True)
    sla_alerted_at = models.DateTimeField(_("overdue alert at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-created_at", "-id"], name="order_store_recent_idx"),
            models.Index(fields=["status", "ready_at"], name="order_status_ready_idx"),
            models.Index(fields=["store", "pickup_code"], name="order_pickup_code_idx"),
            models.Index(fields=["sla_due_at"], name="order_sla_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_order_id"],
                condition=~Q(external_order_id=""),
                name="order_external_id_unique_per_channel",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(discount_total__gte=0) & Q(list_total__gte=0),
                name="order_totals_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit list price"))
    discount = MoneyField(_("discount"), default=0)
    net = MoneyField(_("net"))
    # promotion key ("P12", "Cxyz") → fen-exact share of this line's discount, as strings
    allocations = models.JSONField(_("discount allocation"), default=dict, blank=True)
    # Tobacco ordered online: a reservation for purchase at the counter, never sold online.
    in_store_purchase = models.BooleanField(_("in-store purchase only"), default=False)
    # Units handed over / shipped; below ``quantity`` on a partially fulfilled order.
    fulfilled_quantity = models.PositiveIntegerField(_("fulfilled"), default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_no_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_qty_positive"),
            models.CheckConstraint(
                condition=Q(fulfilled_quantity__lte=models.F("quantity")),
                name="order_line_fulfilled_lte_qty",
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(net__gte=0) & Q(unit_price__gte=0),
                name="order_line_amounts_not_negative",
            ),
        ]

    @property
    def reservation_reference(self) -> str:
        return f"{self.order.number}:{self.line_no}"

    @property
    def sale_reference(self) -> str:
        return f"order:{self.order.number}:{self.line_no}"


class OrderEvent(models.Model):
    """The order's timeline: who did what, when, from which device."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=40)
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24, blank=True)
    at = models.DateTimeField(_("at"))
    user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(_("by"), max_length=150)
    device = models.CharField(_("device"), max_length=100, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]


class ExternalSku(models.Model):
    """A marketplace's own code for one of our SKUs (its listing code), per channel."""

    channel = models.CharField(_("channel"), max_length=20, choices=OrderChannel.choices)
    external_code = models.CharField(_("external code"), max_length=64)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("external SKU code")
        verbose_name_plural = _("external SKU codes")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_code"], name="external_sku_unique_per_channel"
            )
        ]


class OrderReturn(models.Model):
    """Goods brought back to a store (any store of the brand), idempotent on ``reference``.

    ``amount`` is the net value returned; ``refunded`` what payments gave back and
    ``refund_due`` what could not be refunded through the payments (paid out by hand)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    amount = MoneyField(_("amount"), default=0)
    refunded = MoneyField(_("refunded"), default=0)
    refund_due = MoneyField(_("refund due"), default=0)
    points_reversed = models.IntegerField(_("points reversed"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("order return")
        verbose_name_plural = _("order returns")
        ordering = ["created_at", "id"]


class OrderReturnLine(models.Model):
    order_return = models.ForeignKey(OrderReturn, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="returns")
    quantity = models.PositiveIntegerField(_("quantity"))
    net = MoneyField(_("net"))

    class Meta:
        verbose_name = _("returned line")
        verbose_name_plural = _("returned lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_return_qty_positive"),
            models.CheckConstraint(condition=Q(net__gte=0), name="order_return_net_not_negative"),
        ]


# --- Fulfilment: shipments, couriers and delivery routes, SLA, notifications -------------------


class ShipmentStatus(models.TextChoices):
    SHIPPED = "shipped", _("Shipped")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Delivery exception")


class Shipment(models.Model):
    """A parcel handed to a carrier (ship from store or warehouse), with its tracking number."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(_("carrier"), max_length=40)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.SHIPPED
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="shipment_tracking_unique"
            )
        ]


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_qty_positive")
        ]


class ShipmentEvent(models.Model):
    """A carrier scan (picked up, in transit, delivered …)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    status = models.CharField(_("status"), max_length=20, choices=ShipmentStatus.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)

    class Meta:
        ordering = ["at", "id"]


class Courier(models.Model):
    """A store's own delivery rider; capacity in units (bags) per trip."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="couriers")
    name = models.CharField(_("name"), max_length=60)
    capacity = models.PositiveIntegerField(_("capacity (units)"), default=20)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("courier")
        verbose_name_plural = _("couriers")
        ordering = ["store", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="courier_capacity_positive")
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryRoute(models.Model):
    """One courier's planned trip from the store through its stops (OR-Tools plan)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    courier = models.ForeignKey(Courier, on_delete=models.PROTECT, related_name="routes")
    planned_at = models.DateTimeField(_("planned at"))
    distance_m = models.PositiveIntegerField(_("distance (m)"), default=0)
    duration_s = models.PositiveIntegerField(_("duration (s)"), default=0)
    load = models.PositiveIntegerField(_("load (units)"), default=0)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery route")
        verbose_name_plural = _("delivery routes")
        ordering = ["-planned_at", "id"]


class DeliveryStop(models.Model):
    route = models.ForeignKey(DeliveryRoute, on_delete=models.CASCADE, related_name="stops")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="delivery_stops")
    sequence = models.PositiveIntegerField(_("sequence"))
    eta = models.DateTimeField(_("estimated arrival"))

    class Meta:
        ordering = ["route", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["route", "sequence"], name="delivery_stop_seq_unique")
        ]


class SlaPolicy(models.Model):
    """Minutes from payment to ready/dispatched for one store and fulfilment mode (the
    default, ``ORDERS_SLA_MINUTES`` = 30, applies where no row exists)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    fulfilment_mode = models.CharField(
        _("fulfilment"), max_length=20, choices=FulfilmentMode.choices
    )
    minutes = models.PositiveIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("fulfilment promise")
        verbose_name_plural = _("fulfilment promises")
        constraints = [
            models.UniqueConstraint(fields=["store", "fulfilment_mode"], name="sla_policy_unique"),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="sla_minutes_positive"),
        ]


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


class Notification(models.Model):
    """One message sent (or queued) through a provider; the in-app list is these rows."""

    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    template = models.CharField(_("template"), max_length=40)
    language = models.CharField(_("language"), max_length=10)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", null=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    member_id = models.BigIntegerField(null=True, blank=True)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, default="sent")
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="notification_store_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "template", "channel"],
                condition=Q(order__isnull=False),
                name="notification_once_per_order",
            )
        ]
