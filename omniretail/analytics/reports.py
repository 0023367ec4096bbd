"""Reports (sales, margin, inventory, members, promotions) built from the metrics layer, exported
to Excel (openpyxl), CSV and PDF (reportlab, with the STSong-Light CID font for Chinese), and
delivered by email on demand or on a schedule (``ReportSubscription``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core import clock
from omniretail.core.errors import ValidationFailed

from . import metrics
from .errors import AnalyticsError
from .labels import label_for, labels

REPORTS: dict[str, tuple[Any, str, list[str]]] = {
    "sales": (
        gettext_lazy("Sales report"),
        "store",
        ["gmv", "returns", "net_sales", "transactions", "aov", "upt", "online_share"],
    ),
    "margin": (
        gettext_lazy("Margin report"),
        "category",
        ["gmv", "cogs", "gross_margin", "gross_margin_rate"],
    ),
    "inventory": (
        gettext_lazy("Inventory report"),
        "store",
        ["stock_value", "stock_out_rate", "sell_through", "inventory_turnover", "days_of_supply"],
    ),
    "members": (
        gettext_lazy("Members report"),
        "member_tier",
        ["gmv", "transactions", "aov", "customers", "new_customers", "returning_customers"],
    ),
    "promotions": (
        gettext_lazy("Promotions report"),
        "store",
        ["gmv", "discounts", "promotion_cost_share", "transactions", "aov"],
    ),
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass
class Table:
    title: str
    subtitle: str
    columns: list[str]
    rows: list[list[Any]]


def check_report(code: str, fmt: str | None = None) -> None:
    if code not in REPORTS:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_REPORT,
            _("Unknown report: %(code)s") % {"code": code},
            {"report": code, "known": sorted(REPORTS)},
        )
    if fmt is not None and fmt not in FORMATS:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_FORMAT,
            _("Unknown format: %(fmt)s") % {"fmt": fmt},
            {"format": fmt, "known": sorted(FORMATS)},
        )


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    return value


def build(code: str, sl: metrics.Slice) -> Table:
    check_report(code)
    title, by, codes = REPORTS[code]
    data = metrics.evaluate(codes, sl, by)
    names = labels(by, data.keys())
    rows = [
        [label_for(by, key, names), *[_cell(values[c]) for c in codes]]
        for key, values in sorted(data.items(), key=lambda kv: label_for(by, kv[0], names))
    ]
    total = metrics.totals(codes, sl)
    rows.append([_("Total"), *[_cell(total[c]) for c in codes]])
    return Table(
        title=str(title),
        subtitle=f"{sl.start.isoformat()} – {sl.end.isoformat()}",
        columns=[str(metrics.DIMENSIONS[by][2]), *[str(metrics.METRICS[c].label) for c in codes]],
        rows=rows,
    )


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = table.title[:31]
    ws.append([table.title])
    ws.append([table.subtitle])
    ws.append(table.columns)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in table.rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 18
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_pdf(table: Table) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), title=table.title)
    data = [table.columns] + [["" if v is None else str(v) for v in row] for row in table.rows]
    grid = PdfTable(data, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e5e5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    doc.build(
        [
            Paragraph(table.title, styles["Title"]),
            Paragraph(table.subtitle, styles["Normal"]),
            Spacer(1, 12),
            grid,
        ]
    )
    return buf.getvalue()


def export(code: str, fmt: str, sl: metrics.Slice) -> tuple[bytes, str, str]:
    """(content, content type, file name)."""
    check_report(code, fmt)
    table = build(code, sl)
    content = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}[fmt](table)
    name = f"{code}-{sl.start.isoformat()}-{sl.end.isoformat()}.{fmt}"
    return content, FORMATS[fmt], name


def deliver(
    code: str, fmt: str, sl: metrics.Slice, recipients: list[str], language: str = "zh-hans"
) -> int:
    """The email delivery hook: the report as an attachment (Django's configured backend)."""
    with translation.override(language):
        content, content_type, name = export(code, fmt, sl)
        title = str(REPORTS[code][0])
        message = EmailMessage(
            subject=f"{title} {sl.start.isoformat()} – {sl.end.isoformat()}",
            body=_("Attached: %(title)s for %(start)s – %(end)s.")
            % {"title": title, "start": sl.start.isoformat(), "end": sl.end.isoformat()},
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            to=recipients,
        )
        message.attach(name, content, content_type.split(";")[0])
        return message.send()


def subscribe(
    *,
    brand_id: int,
    store_id: int | None,
    report: str,
    fmt: str,
    frequency: str,
    recipients: list[str],
    language: str = "zh-hans",
) -> Any:
    from django.core.validators import validate_email

    from .models import Frequency, ReportSubscription

    check_report(report, fmt)
    if frequency not in Frequency.values:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_FORMAT,
            _("Unknown frequency: %(f)s") % {"f": frequency},
            {"frequency": frequency},
        )
    if not recipients or len(recipients) > 20:
        raise ValidationFailed(
            AnalyticsError.UNKNOWN_FORMAT, _("Give 1–20 recipients."), {"field": "recipients"}
        )
    for address in recipients:
        try:
            validate_email(address)
        except Exception:
            raise ValidationFailed(
                AnalyticsError.UNKNOWN_FORMAT,
                _("Not an email address: %(a)s") % {"a": address[:100]},
                {"field": "recipients"},
            ) from None
    with transaction.atomic():
        return ReportSubscription.objects.create(
            brand_id=brand_id,
            store_id=store_id,
            report=report,
            format=fmt,
            frequency=frequency,
            recipients=recipients,
            language=language,
            created_at=clock.now(),
        )


def send_due_reports(day: dt.date | None = None) -> int:
    """Send every active subscription due on ``day``: daily ones cover yesterday, weekly ones
    (on Mondays) the previous Monday–Sunday."""
    from omniretail.core.models import Store

    from .models import Frequency, ReportSubscription

    day = day or clock.today()
    sent = 0
    for sub in ReportSubscription.objects.filter(active=True).order_by("pk"):
        if sub.last_sent_on == day:
            continue
        if sub.frequency == Frequency.WEEKLY:
            if day.isoweekday() != 1:
                continue
            start, end = day - dt.timedelta(days=7), day - dt.timedelta(days=1)
        else:
            start = end = day - dt.timedelta(days=1)
        if sub.store_id:
            ids = frozenset({sub.store_id})
        else:
            ids = frozenset(
                Store.objects.filter(brand_id=sub.brand_id).values_list("pk", flat=True)
            )
        deliver(
            sub.report, sub.format, metrics.Slice(start, end, ids), sub.recipients, sub.language
        )
        with transaction.atomic():
            ReportSubscription.objects.filter(pk=sub.pk).update(last_sent_on=day)
        sent += 1
    return sent
