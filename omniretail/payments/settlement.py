"""Settlement files: a provider's CSV of what it settled per business day, imported as
``SettlementLine`` rows and reconciled against our captured payments (``reconcile``).

The CSV has a header with at least ``txn_id`` and ``amount`` (yuan), optionally ``fee`` and
``day`` (YYYY-MM-DD; else the day given). The whole file is checked first: one bad row and
nothing is imported, with every bad row reported; re-importing a row replaces it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import ValidationFailed
from omniretail.core.money import quantize

from . import reconcile as recon
from .errors import PaymentError
from .models import SettlementLine
from .providers.base import SettlementRow

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ImportResult:
    provider: str
    rows: int
    days: list[dt.date]


def _parse(text: str, day: dt.date) -> tuple[list[tuple[dt.date, SettlementRow]], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in (reader.fieldnames or [])}
    if not {"txn_id", "amount"} <= fields:
        return [], [_("The header needs txn_id and amount columns.")]
    rows: list[tuple[dt.date, SettlementRow]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(reader, start=2):
        if n > MAX_ROWS + 1:
            errors.append(_("Too many rows."))
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        txn = row.get("txn_id", "")[:64]
        try:
            amount = Decimal(row.get("amount", ""))
            fee = Decimal(row.get("fee") or "0")
            when = dt.date.fromisoformat(row["day"]) if row.get("day") else day
            ok = bool(txn) and amount > 0 and fee >= 0 and quantize(amount) == amount
        except (InvalidOperation, ValueError):
            ok = False
        if not ok:
            errors.append(_("Row %(n)d: needs a transaction id and a positive amount.") % {"n": n})
            continue
        if txn in seen:
            errors.append(_("Row %(n)d: transaction %(txn)s appears twice.") % {"n": n, "txn": txn})
            continue
        seen.add(txn)
        rows.append((when, SettlementRow(txn, quantize(amount), quantize(fee))))
    return rows, errors


def import_csv(provider: str, day: dt.date, data: bytes) -> ImportResult:
    """Import a settlement file for ``provider``; all or nothing."""
    from . import providers

    providers.get(provider)  # unknown provider → 404
    if len(data) > MAX_BYTES:
        raise ValidationFailed(PaymentError.INVALID_SETTLEMENT_FILE, _("The file is too large."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            PaymentError.INVALID_SETTLEMENT_FILE, _("The file is not UTF-8 CSV.")
        ) from exc
    rows, errors = _parse(text, day)
    if errors:
        raise ValidationFailed(
            PaymentError.INVALID_SETTLEMENT_FILE,
            _("The settlement file has errors; nothing was imported."),
            {"errors": errors[:50]},
        )
    now = clock.now()
    with transaction.atomic():
        SettlementLine.objects.filter(
            provider=provider, txn_id__in=[r.txn_id for _d, r in rows]
        ).delete()
        SettlementLine.objects.bulk_create(
            [
                SettlementLine(  # type: ignore[misc]  # MoneyField takes Decimal
                    provider=provider,
                    day=when,
                    txn_id=r.txn_id,
                    amount=r.amount,
                    fee=r.fee,
                    imported_at=now,
                )
                for when, r in rows
            ],
            batch_size=1000,
        )
        audit.record(
            "payments.settlement.import", changes={"provider": provider, "rows": len(rows)}
        )
    return ImportResult(provider, len(rows), sorted({d for d, _r in rows}))


def imported_rows(provider: str, day: dt.date) -> list[SettlementRow]:
    return [
        SettlementRow(line.txn_id, line.amount, line.fee)
        for line in SettlementLine.objects.filter(provider=provider, day=day).order_by("txn_id")
    ]


def report(provider: str, day: dt.date) -> recon.ReconciliationReport:
    """Reconcile the imported file of the day (or, if none was imported, the provider's own
    settlement feed where it has one, as the sandbox does)."""
    rows = imported_rows(provider, day)
    if not rows:
        rows = recon.provider_settlement(provider, day)
    return recon.reconcile(provider, day, rows)
