"""Marketplace order import: rows in, one order per row, a report line per row.

Each row is its own transaction (``place_order``), so a bad row never blocks the good ones
and the write lock is never held for the whole file; the report says exactly what happened to
each row. Re-importing the same file is a no-op: orders are keyed by (channel, external id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from omniretail.catalog.models import Sku
from omniretail.core.errors import DomainError
from omniretail.core.models import Store

from . import services
from .errors import OrderError
from .models import ExternalSku, FulfilmentMode, Order

MAX_ROWS = 1000


@dataclass
class RowReport:
    row: int
    external_order_id: str
    outcome: str  # created | duplicate | error
    order_number: str = ""
    code: str = ""
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.outcome == "created")

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rows if r.outcome == "duplicate")

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.outcome == "error")


def map_sku(channel: str, brand_id: int, code: str) -> Sku | None:
    """The channel's mapping first, then our own SKU code or barcode."""
    mapped = ExternalSku.objects.filter(
        channel=channel, external_code=code, sku__product__brand_id=brand_id
    ).first()
    if mapped is not None:
        return mapped.sku
    return (
        Sku.objects.filter(Q(code=code) | Q(barcodes__code=code), product__brand_id=brand_id)
        .distinct()
        .first()
    )


def import_marketplace_orders(
    channel: str, rows: Iterable[Mapping[str, Any]], *, store_ids: Iterable[int] | None = None
) -> ImportReport:
    """Import rows ``{"external_order_id", "store_code", "fulfilment_mode"?, "lines":
    [{"sku", "quantity"}]}``; ``store_ids`` limits the stores a caller may import into."""
    allowed = set(store_ids) if store_ids is not None else None
    report = ImportReport()
    for n, row in enumerate(rows, start=1):
        if n > MAX_ROWS:
            report.rows.append(
                RowReport(n, "", "error", code=OrderError.INVALID_LINE, message=_("Too many rows."))
            )
            break
        ext = str(row.get("external_order_id") or "")[:64]
        try:
            report.rows.append(_import_row(channel, n, ext, row, allowed))
        except DomainError as exc:
            report.rows.append(RowReport(n, ext, "error", code=exc.code, message=exc.message))
    return report


def _fail(code: OrderError, message: str) -> DomainError:
    return DomainError(code, message)


def _import_row(
    channel: str, n: int, ext: str, row: Mapping[str, Any], allowed: set[int] | None
) -> RowReport:
    if not ext:
        raise _fail(OrderError.INVALID_LINE, _("The external order id is missing."))
    existing = Order.objects.filter(channel=channel, external_order_id=ext).first()
    if existing is not None:
        return RowReport(n, ext, "duplicate", order_number=existing.number)
    store = Store.objects.filter(code=str(row.get("store_code") or "")[:20]).first()
    if store is None or (allowed is not None and store.pk not in allowed):
        raise _fail(OrderError.UNKNOWN_STORE, _("Unknown store."))
    lines = []
    items = row.get("lines") or []
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise _fail(OrderError.INVALID_LINE, _("Lines must be a list of {sku, quantity}."))
    for item in items:
        code = str(item.get("sku") or "")[:64]
        sku = map_sku(channel, store.brand_id, code)
        if sku is None:
            raise _fail(
                OrderError.UNKNOWN_SKU,
                _("Unknown external SKU code %(code)s.") % {"code": code},
            )
        try:
            quantity = int(item.get("quantity"))
        except (TypeError, ValueError):
            quantity = 0
        lines.append(services.LineRequest(sku.pk, quantity))
    order = services.place_order(
        store=store,
        channel=channel,
        fulfilment_mode=str(row.get("fulfilment_mode") or FulfilmentMode.SHIP),
        lines=lines,
        reference=f"{channel}:{ext}",
        external_order_id=ext,
    )
    return RowReport(n, ext, "created", order_number=order.number)


MAX_FILE_BYTES = 2 * 1024 * 1024


def rows_from_file(filename: str, data: bytes) -> list[dict[str, Any]]:
    """A marketplace export as rows: JSON (a list of rows, or ``{"rows": [...]}``) or CSV with
    one line per order line — ``external_order_id, store_code, fulfilment_mode, sku, quantity``
    — grouped by external order id in file order."""
    import csv
    import io
    import json

    if len(data) > MAX_FILE_BYTES:
        raise _fail(OrderError.INVALID_LINE, _("The file is larger than 2 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(OrderError.INVALID_LINE, _("The file is not UTF-8 text.")) from exc
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise _fail(OrderError.INVALID_LINE, _("The file is not valid JSON.")) from exc
        rows = parsed.get("rows") if isinstance(parsed, dict) else parsed
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise _fail(OrderError.INVALID_LINE, _("The JSON must be a list of orders."))
        return rows
    grouped: dict[str, dict[str, Any]] = {}
    reader = csv.DictReader(io.StringIO(text))
    needed = {"external_order_id", "store_code", "sku", "quantity"}
    if not needed <= set(reader.fieldnames or []):
        raise _fail(
            OrderError.INVALID_LINE,
            _("CSV columns needed: %(cols)s") % {"cols": ", ".join(sorted(needed))},
        )
    for rec in reader:
        ext = (rec.get("external_order_id") or "").strip()
        row = grouped.setdefault(
            ext or f"#{len(grouped) + 1}",
            {
                "external_order_id": ext,
                "store_code": (rec.get("store_code") or "").strip(),
                "fulfilment_mode": (rec.get("fulfilment_mode") or "").strip() or "ship",
                "lines": [],
            },
        )
        try:
            qty = int((rec.get("quantity") or "").strip())
        except ValueError:
            qty = 0
        row["lines"].append({"sku": (rec.get("sku") or "").strip(), "quantity": qty})
        if len(grouped) > MAX_ROWS:
            break
    return list(grouped.values())
