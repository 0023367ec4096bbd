"""Stock counts (盘点): full or cycle, blind or not, optionally one zone.

Lines snapshot the expected on hand when the count opens. Scans add units; RFID reads are
stored once per EPC per count (a tag read a thousand times counts once) and set the counted
quantity of their SKUs. Variances change stock only when a holder of ``inventory.approve``
approves the submitted count: then each is posted as a COUNT_VARIANCE movement (audited).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.core import audit, clock
from omniretail.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from omniretail.core.ids import next_document_number

from . import alerts, ledger
from .errors import InventoryError
from .models import (
    CountKind,
    CountLine,
    CountRead,
    CountStatus,
    EpcMapping,
    MovementKind,
    StockCount,
    StockLevel,
)

MAX_READS_PER_CALL = 20_000


def _get(count_id: int, allowed: frozenset[int] | None, *, lock: bool = False) -> StockCount:
    qs = StockCount.objects.select_for_update() if lock else StockCount.objects.all()
    count = qs.filter(pk=count_id).first()
    if count is None or (allowed is not None and count.location_id not in allowed):
        raise NotFound(_("stock count"), code=InventoryError.COUNT_NOT_FOUND)
    return count


def _require(count: StockCount, status: str, action: str) -> None:
    if count.status != status:
        raise InvalidState(
            InventoryError.ILLEGAL_TRANSITION,
            _("A %(status)s count cannot be %(action)s.")
            % {"status": count.status, "action": action},
            {"status": count.status, "action": action},
        )


def open_count(
    *,
    location_id: int,
    kind: str = CountKind.CYCLE,
    sku_ids: list[int] | None = None,
    blind: bool = True,
    zone: str = "",
    user: Any = None,
) -> StockCount:
    """A full count covers every SKU stocked at the location; a cycle count the listed ones."""
    ledger.get_location(location_id)
    if kind not in CountKind.values:
        raise ValidationFailed(InventoryError.INVALID_POLICY, _("Unknown count kind."))
    if kind == CountKind.CYCLE:
        if not sku_ids:
            raise ValidationFailed(InventoryError.UNKNOWN_SKU, _("A cycle count lists SKUs."))
        for sku_id in sku_ids:
            ledger.get_sku(sku_id)
    with transaction.atomic():
        levels = StockLevel.objects.filter(location_id=location_id)
        if kind == CountKind.CYCLE:
            levels = levels.filter(sku_id__in=sku_ids)
        expected = dict(levels.values_list("sku_id", "on_hand"))
        wanted = sorted(set(sku_ids or []) | set(expected))
        count = StockCount.objects.create(
            number=next_document_number("CNT"),
            location_id=location_id,
            kind=kind,
            blind=blind,
            zone=zone[:40],
            created_by=user if getattr(user, "pk", None) else None,
            created_at=clock.now(),
        )
        CountLine.objects.bulk_create(
            [CountLine(count=count, sku_id=s, expected=expected.get(s, 0)) for s in wanted]
        )
    return count


def record_scans(
    count_id: int, scans: dict[int, int], allowed: frozenset[int] | None = None
) -> StockCount:
    """Add scanned units per SKU (a SKU not on the sheet gets a line expecting 0)."""
    for sku_id, qty in scans.items():
        ledger.check_quantity(qty, allow_zero=True)
        ledger.get_sku(sku_id)
    with transaction.atomic():
        count = _get(count_id, allowed, lock=True)
        _require(count, CountStatus.OPEN, "scanned")
        for sku_id, qty in sorted(scans.items()):
            line, _created = CountLine.objects.get_or_create(count=count, sku_id=sku_id)
            line.counted = (line.counted or 0) + qty
            line.save(update_fields=["counted"])
    return count


def ingest_rfid(
    count_id: int, epcs: list[str], allowed: frozenset[int] | None = None
) -> dict[str, int]:
    """Bulk EPC reads: unknown tags are reported, duplicates (in the call or earlier) ignored;
    counted quantities of the affected SKUs become their number of distinct tags."""
    if len(epcs) > MAX_READS_PER_CALL:
        raise ValidationFailed(
            InventoryError.INVALID_QUANTITY,
            _("At most %(n)s reads per call.") % {"n": MAX_READS_PER_CALL},
        )
    unique = sorted({e.strip().upper() for e in epcs if e and e.strip()})
    mapping: dict[str, int] = {}
    for i in range(0, len(unique), 900):
        chunk = unique[i : i + 900]
        mapping.update(EpcMapping.objects.filter(epc__in=chunk).values_list("epc", "sku_id"))
    with transaction.atomic():
        count = _get(count_id, allowed, lock=True)
        _require(count, CountStatus.OPEN, "scanned")
        before = CountRead.objects.filter(count=count).count()
        CountRead.objects.bulk_create(
            [CountRead(count=count, epc=e, sku_id=mapping[e]) for e in unique if e in mapping],
            ignore_conflicts=True,
            batch_size=2000,
        )
        after = CountRead.objects.filter(count=count).count()
        touched = set(mapping.values())
        tallies = Counter(
            CountRead.objects.filter(count=count, sku_id__in=touched).values_list(
                "sku_id", flat=True
            )
        )
        for sku_id in sorted(touched):
            line, _created = CountLine.objects.get_or_create(count=count, sku_id=sku_id)
            line.counted = tallies[sku_id]
            line.save(update_fields=["counted"])
    return {
        "reads": len(epcs),
        "new_tags": after - before,
        "unknown_tags": len([e for e in unique if e not in mapping]),
    }


def submit(count_id: int, allowed: frozenset[int] | None = None) -> StockCount:
    """Close counting; uncounted lines count as zero."""
    with transaction.atomic():
        count = _get(count_id, allowed, lock=True)
        _require(count, CountStatus.OPEN, "submitted")
        count.lines.filter(counted__isnull=True).update(counted=0)
        count.status = CountStatus.SUBMITTED
        count.save(update_fields=["status"])
    return count


def cancel(count_id: int, allowed: frozenset[int] | None = None) -> StockCount:
    with transaction.atomic():
        count = _get(count_id, allowed, lock=True)
        if count.status not in (CountStatus.OPEN, CountStatus.SUBMITTED):
            _require(count, CountStatus.OPEN, "cancelled")
        count.status = CountStatus.CANCELLED
        count.save(update_fields=["status"])
    return count


def approve(count_id: int, allowed: frozenset[int] | None = None) -> StockCount:
    """Post every non-zero variance as a COUNT_VARIANCE movement, in one transaction."""
    today = clock.today()
    with transaction.atomic():
        count = _get(count_id, allowed, lock=True)
        _require(count, CountStatus.SUBMITTED, "approved")
        lines = [ln for ln in count.lines.order_by("sku_id") if ln.variance]
        levels = ledger.lock_levels([(ln.sku_id, count.location_id) for ln in lines])
        posted = {}
        for line in lines:
            level = levels[(line.sku_id, count.location_id)]
            delta = line.variance
            if delta > 0:
                ledger.post(
                    level,
                    ledger.default_batch(line.sku_id),
                    delta,
                    MovementKind.COUNT_VARIANCE,
                    reference=count.number,
                    reason=str(_("count variance")),
                )
            else:
                if not level.allow_negative and level.on_hand - level.reserved < -delta:
                    raise Conflict(
                        InventoryError.INSUFFICIENT_STOCK,
                        _("The variance would take reserved units; recount."),
                        {"sku_id": line.sku_id},
                    )
                ledger.issue_fefo(
                    level,
                    -delta,
                    MovementKind.COUNT_VARIANCE,
                    today=today,
                    reference=count.number,
                    include_expired=True,
                    reason=str(_("count variance")),
                )
            posted[str(line.sku_id)] = delta
            alerts.evaluate_level(level)
        count.status = CountStatus.APPROVED
        count.approved_at = clock.now()
        count.save(update_fields=["status", "approved_at"])
        audit.record(
            "inventory.count.approve",
            count,
            changes={"variances": posted},
            store_id=count.location.store_id,
            brand_id=count.location.brand_id,
        )
    return count
