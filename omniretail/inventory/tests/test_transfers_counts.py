from __future__ import annotations

import pytest

from omniretail.core.errors import InvalidState, ValidationFailed
from omniretail.inventory import counts, movements, transfers
from omniretail.inventory.models import (
    CountStatus,
    EpcMapping,
    StockLevel,
    TransferDiscrepancy,
    TransferStatus,
)

pytestmark = pytest.mark.django_db


def _on_hand(sku, loc):
    return StockLevel.objects.get(sku=sku, location=loc).on_hand


@pytest.fixture
def wh_stock(org, sku, frozen_now):
    movements.receive(
        sku_id=sku.pk, location_id=org["central"].pk, quantity=20, unit_cost_fen=500, reference="PO"
    )
    return sku


def _transfer(org, sku, qty=8):
    return transfers.request_transfer(
        source_id=org["central"].pk,
        destination_id=org["floor"]["S1"].pk,
        lines=[transfers.LineIn(sku.pk, qty)],
    )


def test_transfer_moves_stock_and_value_when_run_end_to_end(org, wh_stock):
    t = _transfer(org, wh_stock)
    transfers.approve(t.pk)
    transfers.ship(t.pk)
    assert _on_hand(wh_stock, org["central"]) == 12
    t = transfers.receive(t.pk)
    assert t.status == TransferStatus.CLOSED
    level = StockLevel.objects.get(sku=wh_stock, location=org["floor"]["S1"])
    assert (level.on_hand, level.value_fen) == (8, 4000)


def test_transfer_refuses_illegal_transition_when_shipping_unapproved(org, wh_stock):
    t = _transfer(org, wh_stock)
    with pytest.raises(InvalidState) as exc:
        transfers.ship(t.pk)
    assert exc.value.code == "inventory.illegal_transition"
    assert _on_hand(wh_stock, org["central"]) == 20


def test_receiving_more_than_shipped_is_refused_when_no_discrepancy_note(org, wh_stock):
    t = _transfer(org, wh_stock)
    transfers.approve(t.pk)
    transfers.ship(t.pk)
    line = t.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        transfers.receive(t.pk, [transfers.ReceiptIn(line.pk, 9)])
    assert exc.value.code == "inventory.discrepancy_note_required"
    assert not StockLevel.objects.filter(
        sku=wh_stock, location=org["floor"]["S1"], on_hand__gt=0
    ).exists()


def test_short_receipt_opens_then_resolves_discrepancy_when_noted(org, wh_stock):
    t = _transfer(org, wh_stock)
    transfers.approve(t.pk)
    transfers.ship(t.pk)
    line = t.lines.get()
    t = transfers.receive(t.pk, [transfers.ReceiptIn(line.pk, 6, note="2 broken")])
    assert t.status == TransferStatus.RECEIVED
    d = TransferDiscrepancy.objects.get()
    assert d.quantity == -2
    transfers.resolve_discrepancy(d.pk, "carrier claim")
    t.refresh_from_db()
    assert t.status == TransferStatus.CLOSED
    assert _on_hand(wh_stock, org["floor"]["S1"]) == 6


def test_count_variance_is_posted_only_when_approved(org, wh_stock, frozen_now):
    loc = org["central"]
    c = counts.open_count(location_id=loc.pk, kind="cycle", sku_ids=[wh_stock.pk])
    counts.record_scans(c.pk, {wh_stock.pk: 17})
    counts.submit(c.pk)
    assert _on_hand(wh_stock, loc) == 20
    c = counts.approve(c.pk)
    assert c.status == CountStatus.APPROVED
    assert _on_hand(wh_stock, loc) == 17
    with pytest.raises(InvalidState):
        counts.approve(c.pk)


def test_rfid_reads_count_each_tag_once_when_read_repeatedly(org, wh_stock, frozen_now):
    loc = org["central"]
    EpcMapping.objects.bulk_create([EpcMapping(epc=f"E{i:020d}", sku=wh_stock) for i in range(25)])
    c = counts.open_count(location_id=loc.pk, kind="full")
    reads = [f"E{i % 22:020d}" for i in range(3000)] + ["UNKNOWN"]
    out = counts.ingest_rfid(c.pk, reads)
    assert out == {"reads": 3001, "new_tags": 22, "unknown_tags": 1}
    again = counts.ingest_rfid(c.pk, reads[:100])
    assert again["new_tags"] == 0
    assert c.lines.get(sku=wh_stock).counted == 22
    counts.submit(c.pk)
    counts.approve(c.pk)
    assert _on_hand(wh_stock, loc) == 22
