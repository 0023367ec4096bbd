"""Receipts: the 80 mm printable page's data, the PDF (reportlab), and the e-receipt link.

The e-receipt link carries a signed token (``django.core.signing``) naming the sale, so a
customer who scans the QR sees that receipt and no other; it cannot be guessed or altered.
The PDF is 80 mm wide, as long as its lines need, set in reportlab's built-in CID font
STSong-Light so Chinese needs no font file.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PosSale

TOKEN_SALT = "omniretail.pos.e-receipt"
TOKEN_MAX_AGE_S = 60 * 60 * 24 * 400  # returns and fapiao windows are well under this
CJK_FONT = "STSong-Light"


def e_receipt_token(sale: PosSale) -> str:
    return signing.dumps({"s": sale.pk}, salt=TOKEN_SALT, compress=True)


def sale_from_token(token: str) -> PosSale | None:
    try:
        data = signing.loads(token[:300], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE_S)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    return (
        PosSale.objects.select_related("order__store", "shift__register")
        .filter(pk=data["s"])
        .first()
    )


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (no file, no external service)."""
    return segno.make(url, error="m").svg_inline(scale=3)


def tender_rows(sale: PosSale) -> list[dict[str, Any]]:
    from omniretail.payments.models import TenderKind

    names = dict(TenderKind.choices)
    return [
        {"kind": t["kind"], "name": str(names.get(t["kind"], t["kind"])), "amount": t["amount"]}
        for t in sale.tenders
    ]


def receipt_pdf(sale: PosSale, link: str) -> bytes:
    """The receipt as an 80 mm wide PDF with the e-receipt QR at the foot."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    order = sale.order
    lines = list(order.lines.select_related("sku").order_by("line_no"))
    local = timezone.localtime(sale.created_at, timezone.get_fixed_timezone(8 * 60))
    rows: list[tuple[str, str, int]] = [
        (order.store.name, "", 11),
        (f"{_('Order')} {order.number}", "", 8),
        (local.strftime("%Y-%m-%d %H:%M:%S"), "", 8),
        (f"{_('Register')} {sale.shift.register.code}", "", 8),
        ("-" * 40, "", 8),
    ]
    for line in lines:
        rows.append((line.sku.name[:24], "", 8))
        rows.append((f"  {line.quantity} × ¥{line.unit_price}", f"¥{line.net}", 8))
        if line.discount:
            rows.append((f"  {_('Savings')}", f"−¥{line.discount}", 8))
    rows += [
        ("-" * 40, "", 8),
        (_("List"), f"¥{order.list_total}", 8),
        (_("Savings"), f"−¥{order.discount_total}", 8),
        (_("Total"), f"¥{order.total}", 11),
    ]
    for tender in tender_rows(sale):
        rows.append((tender["name"], f"¥{tender['amount']}", 8))
    rows.append((_("Change"), f"¥{sale.change_due}", 8))
    rows.append((_("Scan for your e-receipt"), "", 8))
    width = 80 * mm
    qr_size = 30 * mm
    height = 12 * mm + sum(r[2] * 1.5 for r in rows) + qr_size
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{_('Receipt')} {order.number}")
    y = height - 6 * mm
    for left, right, size in rows:
        pdf.setFont(CJK_FONT, size)
        pdf.drawString(4 * mm, y, left)
        if right:
            pdf.drawRightString(width - 4 * mm, y, right)
        y -= size * 1.5
    widget = QrCodeWidget(link)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, (width - qr_size) / 2, 4 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
