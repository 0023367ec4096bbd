"""Analytics' own rows: metric alerts and report subscriptions. The analysed data itself lives
in Parquet (see ``extract.py``), never in tables here."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.models import Brand, Store


class AlertKind(models.TextChoices):
    SALES_DROP = "sales_drop", _("Sales drop against baseline")
    MARGIN_ANOMALY = "margin_anomaly", _("Margin anomaly")
    STOCK_OUT = "stock_out", _("Stock-outs")
    SLA_MISS = "sla_miss", _("Fulfilment SLA misses")
    DATA_QUALITY = "data_quality", _("Data quality check failed")


class MetricAlert(models.Model):
    """One raised alert; ``key`` makes raising idempotent (one alert per rule, store and day)."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    key = models.CharField(max_length=120, unique=True)
    day = models.DateField(_("business day"))
    metric = models.CharField(_("metric"), max_length=40, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("raised at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("metric alert")
        verbose_name_plural = _("metric alerts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="analytics_alert_store_idx")]


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel"
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF"


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly (Mondays)")


class ReportSubscription(models.Model):
    """A scheduled report: which report, in which format, to whom, how often."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report = models.CharField(_("report"), max_length=20)
    format = models.CharField(_("format"), max_length=5, choices=ReportFormat.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    recipients = models.JSONField(_("recipients"), default=list)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    active = models.BooleanField(_("active"), default=True)
    last_sent_on = models.DateField(_("last sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=["xlsx", "csv", "pdf"]), name="analytics_report_format_known"
            )
        ]
