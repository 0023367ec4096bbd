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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="pos_cart_line_per_sku"),
        ]
