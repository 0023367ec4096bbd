"""Tills: registers, cashier shifts and their cash drawer, Z reports, till sales and carts.

Money is integer fen in the database (``MoneyField``), Decimal yuan in Python. A shift's
expected cash is never stored while it is open: it is derived from its ``CashMovement`` rows,
so the drawer ledger is the single source of truth; closing freezes it next to the count.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import MoneyField


class Register(models.Model):
    store = models.ForeignKey("core.Store", on_delete=models.PROTECT, related_name="registers")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("register")
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="pos_register_code_per_store")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ShiftStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Shift(models.Model):
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="shifts")
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    status = models.CharField(max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    opening_float = MoneyField(_("opening float"), default=0)
    counted_cash = MoneyField(_("counted cash"), null=True, blank=True)
    expected_cash = MoneyField(_("expected cash"), null=True, blank=True)
    variance = MoneyField(_("variance"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift")
        constraints = [
            models.UniqueConstraint(
                fields=["register"],
                condition=Q(status="open"),
                name="pos_one_open_shift_per_register",
            ),
            models.CheckConstraint(
                condition=Q(opening_float__gte=0), name="pos_float_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"shift {self.pk} @ {self.register.code}"


class MovementKind(models.TextChoices):
    FLOAT = "float", _("opening float")
    CASH_IN = "cash_in", _("cash in")
    CASH_OUT = "cash_out", _("cash out")
    SALE = "sale", _("cash sale")
    REFUND = "refund", _("cash refund")
    CHANGE = "change", _("change given")


# Sign of each movement in the drawer: the expected-cash formula in one place.
DRAWER_SIGN: dict[str, int] = {
    MovementKind.FLOAT: 1,
    MovementKind.CASH_IN: 1,
    MovementKind.SALE: 1,
    MovementKind.CASH_OUT: -1,
    MovementKind.REFUND: -1,
    MovementKind.CHANGE: -1,
}


class CashMovement(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=10, choices=MovementKind.choices)
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(max_length=120, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="pos_movement_not_negative")
        ]
        indexes = [models.Index(fields=["shift", "kind"])]


class ZReport(models.Model):
    """The final, numbered report of a closed shift. Written once, never changed."""

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="z_reports")
    shift = models.OneToOneField(Shift, on_delete=models.PROTECT, related_name="z_report")
    number = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField()
    business_day = models.DateField()
    totals = models.JSONField(default=dict)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Z reports are immutable")
        super().save(*args, **kwargs)


class PosSale(models.Model):
    """A completed till checkout: the receipt, idempotent on the client's reference."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="sales")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="pos_sale")
    reference = models.CharField(max_length=100, unique=True)
    paid_total = MoneyField()
    change_due = MoneyField(default=0)
    tenders = models.JSONField(default=list)
    created_at = models.DateTimeField()


class CartStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    HELD = "held", _("held")
    DONE = "done", _("done")


class PosCart(models.Model):
    """The cart on the screen, kept in the database so a reload or a crash loses nothing;
    挂单 (hold) parks it, resume makes it active again."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="carts")
    status = models.CharField(max_length=10, choices=CartStatus.choices, default="active")
    member_id = models.BigIntegerField(null=True, blank=True)
    label = models.CharField(max_length=60, blank=True)
    coupon_codes = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status="active"), name="pos_one_active_cart"
            )
        ]


class PosCartLine(models.Model):
    cart = models.ForeignKey(PosCart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    # Supervisor-approved exceptions (a ``PosOverride`` row each): a new unit price, and a
    # manual discount in yuan off the line.
    override_price = MoneyField(null=True, blank=True)
    manual_discount = MoneyField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="pos_cart_line_per_sku"),
        ]


class SupervisorPin(models.Model):
    """A supervisor's approval PIN (argon2 through Django's hashers; never stored in clear).

    Failed attempts are counted; after ``approvals.MAX_FAILURES`` in a row the PIN is locked
    until ``locked_until`` so a PIN cannot be guessed at the till."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pos_pin"
    )
    pin_hash = models.CharField(max_length=200)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("supervisor PIN")


class OverrideKind(models.TextChoices):
    PRICE_OVERRIDE = "price_override", _("price override")
    LINE_VOID = "line_void", _("line void")
    MANUAL_DISCOUNT = "manual_discount", _("manual discount")
    REFUND = "refund", _("refund")


class PosOverride(models.Model):
    """One supervisor-approved exception at the till: who asked, who approved, what changed.

    Append-only; risk rules count these per cashier."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="overrides")
    kind = models.CharField(max_length=20, choices=OverrideKind.choices)
    sku_id = models.BigIntegerField(null=True, blank=True)
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    before = MoneyField(_("before"), default=0)
    after = MoneyField(_("after"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["cashier", "at"])]


class Fapiao(models.Model):
    """A customer's request for a 发票 (invoice) on a till sale; issued by finance later."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("personal")
        COMPANY = "company", _("company")

    sale = models.OneToOneField(PosSale, on_delete=models.PROTECT, related_name="fapiao")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("invoice title"), max_length=100)
    tax_id = models.CharField(_("taxpayer ID"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    requested_at = models.DateTimeField()


class PosRefund(models.Model):
    """A refund at the till: the return made through the orders service, and the cash that
    left the drawer for it (if any was refunded in cash)."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    return_id = models.BigIntegerField()
    reference = models.CharField(max_length=100, unique=True)
    amount = MoneyField()
    cash_amount = MoneyField(default=0)
    with_receipt = models.BooleanField(default=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
