"""Random sequences of receive/reserve/release/sell/return/transfer/count: after every step
the ledger, projections and reservations agree and nothing is oversold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from omniretail.core.errors import DomainError
from omniretail.core.integrity import registered
from omniretail.inventory import counts, movements, reservations, transfers
from omniretail.inventory.models import StockLevel

pytestmark = pytest.mark.django_db

qty = st.integers(min_value=1, max_value=12)


@pytest.mark.usefixtures("frozen_now")
def test_random_operation_sequences_keep_invariants_when_run(org, make_sku):
    sku = make_sku(tracks_batches=True)
    locs = [org["floor"]["S1"].pk, org["floor"]["S2"].pk, org["central"].pk]

    class Machine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.n = 0
            self.open_refs: list[str] = []
            self.expected = {loc: 0 for loc in locs}

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def ref(self) -> str:
            self.n += 1
            return f"R{self.n}"

        @rule(loc=st.sampled_from(locs), q=qty, lot=st.sampled_from(["A", "B"]))
        def receive(self, loc: int, q: int, lot: str) -> None:
            expiry = {"A": dt.date(2027, 1, 1), "B": dt.date(2027, 6, 1)}[lot]
            movements.receive(
                sku_id=sku.pk,
                location_id=loc,
                quantity=q,
                unit_cost_fen=100 + q,
                reference=self.ref(),
                lot_code=lot,
                expiry_date=expiry,
            )
            self.expected[loc] += q

        @rule(loc=st.sampled_from(locs), q=qty)
        def reserve(self, loc: int, q: int) -> None:
            ref = self.ref()
            try:
                reservations.reserve(sku_id=sku.pk, location_id=loc, quantity=q, reference=ref)
                self.open_refs.append(ref)
            except DomainError:
                pass

        @rule(data=st.data())
        def release(self, data: st.DataObject) -> None:
            if self.open_refs:
                ref = data.draw(st.sampled_from(self.open_refs))
                reservations.release(ref)
                self.open_refs.remove(ref)

        @rule(data=st.data())
        def fulfil(self, data: st.DataObject) -> None:
            from omniretail.inventory.models import Reservation

            if self.open_refs:
                ref = data.draw(st.sampled_from(self.open_refs))
                r = Reservation.objects.get(reference=ref)
                movements.sell(
                    sku_id=sku.pk,
                    location_id=r.location_id,
                    quantity=r.quantity,
                    reference=self.ref(),
                    reservation_reference=ref,
                )
                self.open_refs.remove(ref)
                self.expected[r.location_id] -= r.quantity

        @rule(loc=st.sampled_from(locs), q=qty)
        def sell(self, loc: int, q: int) -> None:
            try:
                movements.sell(sku_id=sku.pk, location_id=loc, quantity=q, reference=self.ref())
                self.expected[loc] -= q
            except DomainError:
                pass

        @rule(loc=st.sampled_from(locs), q=qty)
        def customer_return(self, loc: int, q: int) -> None:
            movements.customer_return(
                sku_id=sku.pk, location_id=loc, quantity=q, reference=self.ref()
            )
            self.expected[loc] += q

        @rule(src=st.sampled_from(locs), dst=st.sampled_from(locs), q=qty, short=st.booleans())
        def transfer(self, src: int, dst: int, q: int, short: bool) -> None:
            if src == dst:
                return
            t = transfers.request_transfer(
                source_id=src, destination_id=dst, lines=[transfers.LineIn(sku.pk, q)]
            )
            transfers.approve(t.pk)
            try:
                transfers.ship(t.pk)
            except DomainError:
                return
            line = t.lines.get()
            got = q - 1 if short else q
            transfers.receive(t.pk, [transfers.ReceiptIn(line.pk, got, note="short")])
            self.expected[src] -= q
            self.expected[dst] += got

        @rule(loc=st.sampled_from(locs), counted=st.integers(min_value=0, max_value=30))
        def count(self, loc: int, counted: int) -> None:
            c = counts.open_count(location_id=loc, kind="cycle", sku_ids=[sku.pk])
            counts.record_scans(c.pk, {sku.pk: counted})
            counts.submit(c.pk)
            try:
                counts.approve(c.pk)
            except DomainError:
                return
            self.expected[loc] = counted

        @invariant()
        def ledger_agrees(self) -> None:
            for name, fn in registered().items():
                if name.startswith("inventory."):
                    breaches = list(fn())
                    assert not breaches, (name, breaches)
            for loc, want in self.expected.items():
                level = StockLevel.objects.filter(sku=sku, location_id=loc).first()
                have = level.on_hand if level else 0
                assert have == want
                if level:
                    assert 0 <= level.reserved <= max(level.on_hand, 0)

    Machine.TestCase.settings = settings(
        Machine.TestCase.settings, max_examples=15, stateful_step_count=20
    )
    Machine.TestCase().runTest()
