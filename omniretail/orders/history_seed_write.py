"""Bulk-inserting the simulated history: the same rows the services write, in chunks.

A year of trading is about a million rows, too many for model instances: rows are inserted
as tuples with ``executemany`` (batches of at most ``BATCH`` rows, one transaction per chunk
of ``ORDERS_PER_CHUNK`` orders, so the SQLite write lock is never held for long). Primary
keys are allocated here (the seed is the only writer) so children can point at parents
without reading them back; PostgreSQL sequences are reset afterwards, as ``loaddata`` does.
Values go through the backend's own adapters (datetimes, dates, JSON), money is integer fen
as ``MoneyField`` stores it. The projections (stock batches and levels, member balances and
tiers, document counters) are then brought level with the new ledger rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction

from omniretail.core import clock

from . import history_seed_sim as hs
from .history_seed_tables import BATCH, make_tables, order_extra_fields

ORDERS_PER_CHUNK = 200  # about 5,000 rows over all tables per transaction
HOLD_DAYS = 7  # reservation hold of place_order (unclaimed pickup days + 4)
STOCK_CHANNEL = {"pos": "walk_in", "online": "online", "marketplace": "marketplace"}


class Writer:
    def __init__(self, ctx: Any, data: Any, sim: hs.Simulation) -> None:
        self.ctx, self.data, self.sim = ctx, data, sim
        self.order_extra = order_extra_fields()
        self.t = make_tables(self.order_extra)
        self.batch_pk: dict[tuple, int] = {}
        self.shift_of: dict[tuple[int, dt.date], tuple[int, int]] = {}  # → (shift, register)
        self.stock_delta: dict[tuple[int, int, int], int] = defaultdict(int)
        self.level_delta: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.extra_counts: dict[str, int] = {}

    def counts(self) -> dict[str, int]:
        out = {f"{t.model._meta.label}": t.written for t in self.t.values() if t.written}
        out.update(self.extra_counts)
        return dict(sorted(out.items()))

    # --- set-up rows ----------------------------------------------------------------------
    def batches(self) -> None:
        from omniretail.inventory.models import DEFAULT_LOT, Batch

        now = clock.now()
        skus = sorted({p.sku for p in self.sim.pools.values()})
        existing = set(
            Batch.objects.filter(sku_id__in=skus, lot_code=DEFAULT_LOT).values_list(
                "sku_id", flat=True
            )
        )
        lots = self.sim.lots_used
        with transaction.atomic():
            Batch.objects.bulk_create(
                [
                    Batch(sku_id=s, lot_code=DEFAULT_LOT, created_at=now)
                    for s in skus
                    if s not in existing
                ]
                + [
                    Batch(
                        sku_id=sku,
                        lot_code=code,
                        production_date=prod,
                        expiry_date=exp,
                        created_at=now,
                    )
                    for _key, (sku, code, prod, exp) in sorted(lots.items())
                ],
                batch_size=BATCH,
            )
        for sku, pk in Batch.objects.filter(sku_id__in=skus, lot_code=DEFAULT_LOT).values_list(
            "sku_id", "pk"
        ):
            self.batch_pk[("D", sku)] = pk
        by_code = {
            (sku, code): pk
            for sku, code, pk in Batch.objects.filter(
                lot_code__in=[v[1] for v in lots.values()]
            ).values_list("sku_id", "lot_code", "pk")
        }
        for key, (sku, code, _p, _e) in lots.items():
            self.batch_pk[key] = by_code[(sku, code)]
        self.extra_counts["inventory.Batch"] = len(lots) + len(set(skus) - existing)

    def shifts(self, orders: list[hs.Order]) -> None:
        """One closed shift per store and trading day on the store's first register, its
        drawer ledger opened by a float, and a count equal to the expectation (a few drawers
        a little off, as counts are)."""
        from omniretail.pos.models import Register, Shift, ShiftStatus

        registers: dict[int, int] = {}
        for pk, store_id in (
            Register.objects.filter(store_id__in=[s.pk for s in self.data.stores])
            .order_by("-pk")
            .values_list("pk", "store_id")
        ):
            registers[store_id] = pk
        cash: dict[tuple[int, dt.date], int] = defaultdict(int)
        for o in orders:
            if o.channel == "pos" and o.store.pk in registers:
                key = (o.store.pk, self.data.local_date(o.created))
                cash[key] += sum(
                    (t.tendered or 0) - t.change for t in o.tenders if t.kind == "cash"
                )
        stores = {s.pk: s for s in self.data.stores}
        float_fen, rng = 500_00, self.sim.rng
        rows = []
        for store_pk, day in sorted(cash):
            store = stores[store_pk]
            expected = float_fen + cash[(store_pk, day)]
            variance = rng.choice([-200, -100, 50, 100]) if rng.random() < 0.02 else 0
            rows.append(
                Shift(
                    register_id=registers[store_pk],
                    status=ShiftStatus.CLOSED,
                    opened_at=self.data.local_dt(day, max(0, store.opens - 1), 45),
                    closed_at=self.data.local_dt(
                        day, min(23, store.closes), 5 if store.closes < 24 else 0
                    ),
                    opening_float=hs.cny(float_fen),
                    counted_cash=hs.cny(expected + variance),
                    expected_cash=hs.cny(expected),
                    variance=hs.cny(variance),
                )
            )
        with transaction.atomic():
            made = Shift.objects.bulk_create(rows, batch_size=BATCH)
        for (store_pk, day), shift in zip(sorted(cash), made, strict=True):
            self.shift_of[(store_pk, day)] = (shift.pk, registers[store_pk])
        table = self.t["cash"]
        with transaction.atomic():
            table.insert(
                [
                    (i, s.pk, "float", float_fen, "opening float", "", s.opened_at)
                    for i, s in zip(table.ids(len(made)), made, strict=True)
                ]
            )
        self.extra_counts["pos.Shift"] = len(made)

    # --- orders -----------------------------------------------------------------------------
    def orders(self, orders: list[hs.Order]) -> None:
        task = self.ctx.track("history: orders", len(orders))
        for start in range(0, len(orders), ORDERS_PER_CHUNK):
            chunk = orders[start : start + ORDERS_PER_CHUNK]
            with transaction.atomic():
                self._chunk(chunk)
            self.ctx.progress.update(task, completed=start + len(chunk))

    def _chunk(self, chunk: list[hs.Order]) -> None:
        t, data = self.t, self.data
        order_ids = t["order"].ids(len(chunk))
        pk_of = {o.number: pk for o, pk in zip(chunk, order_ids, strict=True)}
        t["order"].insert(
            [
                (
                    pk_of[o.number], o.number, o.channel, o.store.pk, o.store.floor, o.member_id,
                    o.mode, o.status, o.list_total, o.discount_total, o.total, o.external_id,
                    o.reference, o.pickup_code, o.ready_at, o.created, o.updated_at,
                    *[getattr(o, n) for n in self.order_extra],
                )
                for o in chunk
            ]
        )  # fmt: skip
        line_pk: dict[tuple[str, int], int] = {}
        rows = []
        ids = iter(t["line"].ids(sum(len(o.lines) for o in chunk)))
        for o in chunk:
            for n, ln in enumerate(o.lines, start=1):
                pk = next(ids)
                line_pk[(o.number, n)] = pk
                rows.append(
                    (
                        pk,
                        pk_of[o.number],
                        n,
                        ln.sku,
                        ln.qty,
                        ln.unit,
                        ln.discount,
                        ln.net,
                        ln.allocations,
                        ln.in_store,
                    )
                )
        t["line"].insert(rows)
        self._returns(chunk, pk_of, line_pk)
        self._events(chunk, pk_of)
        rows = [
            (
                0,
                data.brand_id,
                o.number,
                str(line_no),
                o.lines[line_no - 1].sku,
                promo,
                None,
                fen,
                msg,
                o.created,
            )
            for o in chunk
            for promo, msg, line_no, fen in o.applied
        ]
        t["applied"].insert(
            [(i, *r[1:]) for i, r in zip(t["applied"].ids(len(rows)), rows, strict=True)]
        )
        rows = []
        for o in chunk:
            if not o.reservation:
                continue
            closed = o.closed_at if o.reservation != "active" else None
            for n, ln in enumerate(o.lines, start=1):
                rows.append(
                    (
                        f"{o.number}:{n}",
                        ln.sku,
                        o.store.floor,
                        ln.qty,
                        STOCK_CHANNEL[o.channel],
                        o.reservation,
                        o.created + dt.timedelta(days=HOLD_DAYS),
                        o.created,
                        closed,
                    )
                )
                if o.reservation == "active":
                    self.level_delta[(ln.sku, o.store.floor)][2] += ln.qty
        t["reservation"].insert(
            [(i, *r) for i, r in zip(t["reservation"].ids(len(rows)), rows, strict=True)]
        )
        self._payments(chunk, pk_of)
        self._movements([m for o in chunk for m in o.movements])
        self._till(chunk, pk_of)
        self._points(chunk)

    def _returns(self, chunk: list[hs.Order], pk_of: dict[str, int], line_pk: dict) -> None:
        t = self.t
        returns = [o for o in chunk if o.ret]
        ids = t["return"].ids(len(returns))
        self.ret_pk = {o.number: pk for o, pk in zip(returns, ids, strict=True)}
        t["return"].insert(
            [
                (
                    self.ret_pk[o.number],
                    pk_of[o.number],
                    o.store.pk,
                    o.store.floor,
                    f"ret:{o.number}",
                    o.ret.reason,
                    o.ret.amount,
                    o.ret.refunded,
                    o.ret.amount - o.ret.refunded,
                    o.ret.points,
                    o.ret.at,
                )
                for o in returns
                if o.ret
            ]
        )
        rows = [
            (self.ret_pk[o.number], line_pk[(o.number, no)], qty, net)
            for o in returns
            if o.ret
            for no, qty, net in o.ret.lines
        ]
        t["return_line"].insert(
            [(i, *r) for i, r in zip(t["return_line"].ids(len(rows)), rows, strict=True)]
        )
        # The audit trail of each return, as ``returns.return_lines`` records it.
        audit = [
            (
                o.ret.at, None, "system", "orders.return", "orders.OrderReturn",
                str(self.ret_pk[o.number]), f"OrderReturn object ({self.ret_pk[o.number]})",
                self.data.brand_id, o.store.pk, None, "", "",
                {"order": o.number, "amount": str(hs.cny(o.ret.amount)), "lines": len(o.ret.lines)},
                o.ret.reason, False,
            )
            for o in returns
            if o.ret
        ]  # fmt: skip
        t["audit"].insert([(i, *r) for i, r in zip(t["audit"].ids(len(audit)), audit, strict=True)])

    def _events(self, chunk: list[hs.Order], pk_of: dict[str, int]) -> None:
        rows = []
        for o in chunk:
            for kind, from_s, to_s, at, note in o.events:
                payload: dict[str, Any] = {}
                if kind == "created":
                    payload = {"reference": o.reference, "explanation": []}
                elif kind == "returned" and o.ret:
                    payload = {
                        "return_id": self.ret_pk[o.number],
                        "reference": f"ret:{o.number}",
                        "amount": str(hs.cny(o.ret.amount)),
                    }
                rows.append(
                    (pk_of[o.number], kind, from_s, to_s, at, None, "system", "", "", note, payload)
                )
        table = self.t["event"]
        table.insert([(i, *r) for i, r in zip(table.ids(len(rows)), rows, strict=True)])

    def _payments(self, chunk: list[hs.Order], pk_of: dict[str, int]) -> None:
        t, data = self.t, self.data
        payments, ledger, refunds, sandbox = [], [], [], []
        for o in chunk:
            if not o.tenders:
                continue
            attempt = {"pos": f"pos:rcpt-{o.number}", "online": f"pay-{o.number}"}.get(
                o.channel, f"mkt-{o.external_id}"
            )
            shift = (
                self.shift_of.get((o.store.pk, data.local_date(o.created)), (None, None))
                if o.channel == "pos"
                else (None, None)
            )
            assert o.paid_at is not None
            created = o.paid_at - dt.timedelta(seconds=8)
            ids = t["payment"].ids(len(o.tenders))
            for position, (n, tender) in enumerate(zip(ids, o.tenders, strict=True)):
                ref = f"{attempt}:{position}"
                provider = hs.PROVIDER[tender.kind]
                txn = (
                    hs.sandbox_id("SBX", ref)
                    if provider == "sandbox"
                    else hs.card_id(ref)
                    if provider == "card_terminal"
                    else ""
                )
                status = (
                    "refunded"
                    if tender.refunded == tender.amount
                    else "partially_refunded"
                    if tender.refunded
                    else "captured"
                )
                payments.append(
                    (
                        n,
                        pk_of[o.number],
                        tender.kind,
                        tender.amount,
                        tender.refunded,
                        tender.tendered,
                        tender.change,
                        status,
                        provider,
                        txn,
                        ref,
                        attempt,
                        position,
                        tender.auth,
                        None,
                        shift[1],
                        shift[0],
                        "",
                        created,
                        o.paid_at,
                    )
                )
                ledger.append(
                    [n, None, pk_of[o.number], "capture", tender.amount, provider, o.paid_at]
                )
                if provider == "sandbox":
                    sandbox.append(
                        (
                            txn,
                            ref,
                            tender.kind,
                            tender.amount,
                            tender.refunded,
                            "success",
                            created,
                            o.paid_at,
                        )
                    )
                for fen, at in tender.refunds:
                    rref = f"ret:{o.number}:p{n}"
                    rid = (
                        hs.sandbox_id("SBXR", rref)
                        if provider == "sandbox"
                        else hs.card_id(rref)
                        if provider == "card_terminal"
                        else ""
                    )
                    reason = o.ret.reason if o.ret else "return"
                    refunds.append(
                        (
                            n,
                            fen,
                            "succeeded",
                            rref,
                            reason,
                            rid,
                            "",
                            at,
                            at,
                            pk_of[o.number],
                            provider,
                        )
                    )
        t["payment"].insert(payments)
        refund_ids = t["refund"].ids(len(refunds))
        t["refund"].insert([(i, *r[:9]) for i, r in zip(refund_ids, refunds, strict=True)])
        for i, r in zip(refund_ids, refunds, strict=True):
            ledger.append([r[0], i, r[9], "refund", -r[1], r[10], r[8]])
        t["ledger"].insert(
            [(i, *r) for i, r in zip(t["ledger"].ids(len(ledger)), ledger, strict=True)]
        )
        t["sandbox"].insert(
            [(i, *r) for i, r in zip(t["sandbox"].ids(len(sandbox)), sandbox, strict=True)]
        )

    def _movements(self, moves: list[tuple]) -> None:
        rows, ops, seen = [], [], set()
        for kind, at, reason, ref, sku, loc, lot_key, qty, unit, value in moves:
            batch = self.batch_pk[lot_key]
            rows.append(
                (at, kind, reason[:200], ref[:100], None, sku, loc, batch, qty, unit, value)
            )
            self.stock_delta[(sku, loc, batch)] += qty
            delta = self.level_delta[(sku, loc)]
            delta[0] += qty
            delta[1] += value
            if ref and kind != "write_off":
                key = f"{kind}:{ref}"[:150]
                if key not in seen:
                    seen.add(key)
                    ops.append((key, kind, at))
        t = self.t
        t["movement"].insert(
            [(i, *r) for i, r in zip(t["movement"].ids(len(rows)), rows, strict=True)]
        )
        t["operation"].insert(
            [(i, *r) for i, r in zip(t["operation"].ids(len(ops)), ops, strict=True)]
        )

    def receipts(self) -> None:
        rows = sorted(self.sim.receipt_rows, key=lambda r: r[1])
        for start in range(0, len(rows), BATCH):
            with transaction.atomic():
                self._movements(rows[start : start + BATCH])

    def _till(self, chunk: list[hs.Order], pk_of: dict[str, int]) -> None:
        sales, cash = [], []
        for o in chunk:
            shift = self.shift_of.get((o.store.pk, self.data.local_date(o.created)))
            if o.channel != "pos" or shift is None:
                continue
            change = sum(t.change for t in o.tenders)
            tenders = [{"kind": t.kind, "amount": str(hs.cny(t.amount))} for t in o.tenders]
            sales.append(
                (shift[0], pk_of[o.number], f"rcpt-{o.number}", o.total, change, tenders, o.paid_at)
            )
            for t in o.tenders:
                if t.kind == "cash":
                    cash.append((shift[0], "sale", t.tendered or t.amount, "", o.number, o.paid_at))
                    if t.change:
                        cash.append((shift[0], "change", t.change, "", o.number, o.paid_at))
        t = self.t
        t["pos_sale"].insert(
            [(i, *r) for i, r in zip(t["pos_sale"].ids(len(sales)), sales, strict=True)]
        )
        t["cash"].insert([(i, *r) for i, r in zip(t["cash"].ids(len(cash)), cash, strict=True)])

    def _points(self, chunk: list[hs.Order]) -> None:
        table, brand = self.t["points"], self.data.brand_id
        earned = [o for o in chunk if o.earn]
        ids = table.ids(len(earned))
        rows = []
        source = {}
        for pk, o in zip(ids, earned, strict=True):
            e = o.earn
            source[o.number] = pk
            rows.append(
                (
                    pk,
                    brand,
                    o.member_id,
                    "earn",
                    e["points"],
                    e["balance_after"],
                    e["remaining"],
                    e["expires"],
                    o.number,
                    o.total,
                    None,
                    o.store.pk,
                    "",
                    e["at"],
                )
            )  # type: ignore[index]
        reversals = [o for o in earned if o.ret and o.ret.amount > 0]
        for pk, o in zip(table.ids(len(reversals)), reversals, strict=True):
            r = o.ret
            assert r is not None
            rows.append(
                (
                    pk,
                    brand,
                    o.member_id,
                    "reverse",
                    -r.points,
                    r.points_balance_after,
                    0,
                    None,
                    f"return:ret:{o.number}",
                    -r.amount,
                    source[o.number],
                    o.store.pk,
                    "",
                    r.at,
                )
            )
        table.insert(rows)

    # --- projections ----------------------------------------------------------------------
    def projections(self, sequences: dict[tuple[str, dt.date], int]) -> None:
        from omniretail.core.models import DocumentSequence
        from omniretail.inventory.models import StockBatch, StockLevel
        from omniretail.members.models import Member

        now = clock.now()
        floors = [s.floor for s in self.data.stores]
        existing = {
            (sku, loc, batch): pk
            for pk, sku, loc, batch in StockBatch.objects.filter(
                location_id__in=floors
            ).values_list("pk", "sku_id", "location_id", "batch_id")
        }
        updates, creates = [], []
        for key, delta in sorted(self.stock_delta.items()):
            pk = existing.get(key)
            if pk is not None:
                if delta:
                    updates.append((delta, pk))
            elif delta:
                creates.append(
                    StockBatch(sku_id=key[0], location_id=key[1], batch_id=key[2], on_hand=delta)
                )
        levels = {
            (sku, loc): pk
            for pk, sku, loc in StockLevel.objects.filter(location_id__in=floors).values_list(
                "pk", "sku_id", "location_id"
            )
        }
        level_updates, level_creates = [], []
        stamp = connection.ops.adapt_datetimefield_value(now)
        for (sku, loc), (qty, value, reserved) in sorted(self.level_delta.items()):
            pk = levels.get((sku, loc))
            if pk is None:
                level_creates.append(
                    StockLevel(
                        sku_id=sku,
                        location_id=loc,
                        on_hand=qty,
                        value_fen=value,
                        reserved=reserved,
                        updated_at=now,
                    )
                )
            else:
                level_updates.append((qty, value, reserved, stamp, pk))
        qn = connection.ops.quote_name
        sb, lv = qn(StockBatch._meta.db_table), qn(StockLevel._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            StockBatch.objects.bulk_create(creates, batch_size=BATCH)
            cursor.executemany(f"UPDATE {sb} SET on_hand = on_hand + %s WHERE id = %s", updates)  # noqa: S608
            StockLevel.objects.bulk_create(level_creates, batch_size=BATCH)
            cursor.executemany(
                f"UPDATE {lv} SET on_hand = on_hand + %s, value_fen = value_fen + %s, "  # noqa: S608
                f"reserved = reserved + %s, updated_at = %s WHERE id = %s",
                level_updates,
            )
        self.extra_counts["inventory.StockBatch (new)"] = len(creates)
        self.extra_counts["inventory.StockLevel (new)"] = len(level_creates)
        # Members: balances, last activity and the tiers their rolling spend reached.
        mt = qn(Member._meta.db_table)
        rows = []
        for pk, s in sorted(self.sim.member_state.items()):
            if not s.get("touched"):
                continue
            last = connection.ops.adapt_datetimefield_value(max(s["last"], s["seeded_last"]))
            rows.append((s["balance"], self.data.tiers[s["tier"]]["pk"], last, pk))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {mt} SET points_balance = %s, tier_id = %s, "  # noqa: S608
                "last_activity_at = %s WHERE id = %s",
                rows,
            )
        self.extra_counts["members.Member (updated)"] = len(rows)
        # Document counters: the next order of a day continues after the seeded ones.
        known = {
            (d.prefix, d.day): d
            for d in DocumentSequence.objects.filter(
                prefix__in={k[0] for k in sequences}, day__gte=self.data.first_day
            )
        }
        seq_updates, seq_creates = [], []
        for (prefix, day), last in sorted(sequences.items()):
            row = known.get((prefix, day))
            if row is None:
                seq_creates.append(DocumentSequence(prefix=prefix, day=day, last_value=last))
            elif row.last_value < last:
                row.last_value = last
                seq_updates.append(row)
        with transaction.atomic():
            DocumentSequence.objects.bulk_create(seq_creates, batch_size=BATCH)
            DocumentSequence.objects.bulk_update(seq_updates, ["last_value"], batch_size=BATCH)

    def reset_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids allocated here (SQLite needs none)."""
        statements = connection.ops.sequence_reset_sql(
            no_style(), [t.model for t in self.t.values()]
        )
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


def write_all(
    ctx: Any,
    data: Any,
    sim: hs.Simulation,
    orders: list[hs.Order],
    sequences: dict[tuple[str, dt.date], int],
) -> dict[str, int]:
    w = Writer(ctx, data, sim)
    w.batches()
    w.shifts(orders)
    w.receipts()
    w.orders(orders)
    w.projections(sequences)
    w.reset_sequences()
    return w.counts()
