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
    for item in row.get("lines") or []:
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
