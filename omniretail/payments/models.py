"""Payments: what was charged for an order, by which tender and provider, and what went back.

Money is integer fen (``MoneyField``). ``Payment`` rows move pending → captured/failed (and
captured → partially_refunded/refunded); every capture and refund also appends a signed
``LedgerEntry`` so "captured − refunded" can be re-derived and checked by the invariants.
``SandboxTransaction`` is the *remote* side of the local sandbox gateway — kept in the same
database only so demos and tests are reproducible without a network.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import MoneyField


class TenderKind(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Bank card")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    UNIONPAY = "unionpay", _("UnionPay QR")
    STORED_VALUE = "stored_value", _("Stored value")
    POINTS = "points", _("Points")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CAPTURED = "captured", _("Captured")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


CAPTURED_STATUSES = frozenset(
    {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)


class Payment(models.Model):
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    kind = models.CharField(_("tender"), max_length=20, choices=TenderKind.choices)
    amount = MoneyField(_("amount"))
    refunded_amount = MoneyField(_("refunded"), default=0)
    tendered = MoneyField(_("tendered"), null=True, blank=True)
    change_due = MoneyField(_("change"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    provider = models.CharField(_("provider"), max_length=30)
    provider_txn_id = models.CharField(_("provider transaction"), max_length=64, blank=True)
    reference = models.CharField(_("reference"), max_length=120, unique=True)
    attempt = models.CharField(_("payment request"), max_length=100, db_index=True)
    position = models.PositiveSmallIntegerField(_("tender no."), default=0)
    auth_hint = models.CharField(_("code (last digits)"), max_length=8, blank=True)
    member_id = models.BigIntegerField(_("member"), null=True, blank=True)
    register_id = models.BigIntegerField(_("register"), null=True, blank=True)
    shift_id = models.BigIntegerField(_("shift"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["order_id", "attempt", "position", "id"]
        indexes = [
            models.Index(fields=["provider", "captured_at"], name="payment_provider_day_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_txn_id"],
                condition=~Q(provider_txn_id=""),
                name="payment_txn_unique_per_provider",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(refunded_amount__gte=0)
                & Q(refunded_amount__lte=models.F("amount")),
                name="payment_amounts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind} {self.amount}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField(_("amount"))
    status = models.CharField(
        _("status"), max_length=12, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    provider_refund_id = models.CharField(_("provider refund"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]


class LedgerKind(models.TextChoices):
    CAPTURE = "capture", _("Capture")
    REFUND = "refund", _("Refund")


class LedgerEntry(models.Model):
    """Append-only: one row per capture (+) and per successful refund (−)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="ledger")
    refund = models.OneToOneField(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger"
    )
    order_id = models.BigIntegerField(_("order"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    amount = MoneyField(_("amount"))
    provider = models.CharField(_("provider"), max_length=30)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("payment ledger entry")
        verbose_name_plural = _("payment ledger")
        constraints = [
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind="capture"),
                name="ledger_one_capture_per_payment",
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("payment ledger entries are append-only")
        super().save(*args, **kwargs)


class SeenNonce(models.Model):
    """Nonces of signed messages already accepted (replay protection), per channel."""

    channel = models.CharField(max_length=40)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "nonce"], name="nonce_unique_per_channel")
        ]


class SandboxTransaction(models.Model):
    """The sandbox gateway's own book (stands in for WeChat/Alipay/UnionPay servers)."""

    txn_id = models.CharField(max_length=64, unique=True)
    out_trade_no = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20)
    amount = MoneyField()
    refunded = MoneyField(default=0)
    status = models.CharField(max_length=20)  # user_paying | success | declined
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)


class RiskRuleCode(models.TextChoices):
    VELOCITY = "velocity", _("Velocity per tender account")
    REFUND_NO_RECEIPT = "refund_no_receipt", _("Refund without receipt")
    REFUND_RATIO = "refund_ratio", _("Refund ratio per cashier")
    PRICE_OVERRIDE = "price_override", _("Manual price overrides per cashier")
    AMOUNT_OUTLIER = "amount_outlier", _("Amount outlier")


class RiskRule(models.Model):
    """A rule's configurable threshold: ``threshold`` is a count, a ratio or yuan depending on
    the rule; ``window_minutes`` is the look-back. Missing rows use ``risk.DEFAULTS``."""

    code = models.CharField(_("rule"), max_length=30, choices=RiskRuleCode.choices, unique=True)
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=2)
    window_minutes = models.PositiveIntegerField(_("window (minutes)"), default=60)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("risk rule")


class RiskFlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")
    CONFIRMED = "confirmed", _("Confirmed fraud")


class RiskFlag(models.Model):
    """A rule fired: waits in the review queue until someone clears or confirms it. One open
    flag per rule and subject (a burst raises one flag, not fifty)."""

    rule = models.CharField(_("rule"), max_length=30, choices=RiskRuleCode.choices)
    subject = models.CharField(_("subject"), max_length=120)
    store_id = models.BigIntegerField(_("store"), null=True, blank=True, db_index=True)
    observed = models.DecimalField(_("observed"), max_digits=14, decimal_places=2)
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=2)
    detail = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RiskFlagStatus.choices, default=RiskFlagStatus.OPEN
    )
    hits = models.PositiveIntegerField(_("hits"), default=1)
    created_at = models.DateTimeField(_("created at"))
    reviewed_by_id = models.BigIntegerField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("risk flag")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=Q(status="open"),
                name="risk_one_open_flag_per_subject",
            )
        ]


class SettlementLine(models.Model):
    """One row of an imported provider settlement file (kept so a report can be re-run)."""

    provider = models.CharField(_("provider"), max_length=30)
    day = models.DateField(_("day"))
    txn_id = models.CharField(_("provider transaction"), max_length=64)
    amount = MoneyField(_("amount"))
    fee = MoneyField(_("fee"), default=0)
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "txn_id"], name="settlement_txn_unique_per_provider"
            )
        ]
        indexes = [models.Index(fields=["provider", "day"])]
