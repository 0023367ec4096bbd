"""Bulk-inserting the simulated history: the same rows the services write, in chunks.

Orders go in chunks of ``ORDERS_PER_CHUNK`` per transaction (each table's ``bulk_create`` in
batches of at most ``BATCH`` rows), so the SQLite write lock is never held for long. The
projections (stock batches and levels, member balances and tiers, document counters) are
brought level with the new ledger rows at the end, in the same chunked way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import models, transaction

from omniretail.core import clock

from . import history_seed_sim as hs

BATCH = 5000
ORDERS_PER_CHUNK = 1000
HOLD_DAYS = 7  # reservation hold of place_order (unclaimed pickup days + 4)
STOCK_CHANNEL = {"pos": "walk_in", "online": "online", "marketplace": "marketplace"}


def _has(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _bulk(model: type[models.Model], rows: list[Any]) -> list[Any]:
    if not rows:
        return rows
    return model.objects.bulk_create(rows, batch_size=BATCH)  # type: ignore[attr-defined,no-any-return]


class Writer:
    def __init__(self, ctx: Any, data: Any, sim: hs.Simulation) -> None:
        self.ctx, self.data, self.sim = ctx, data, sim
        self.counts: dict[str, int] = defaultdict(int)
        self.batch_pk: dict[tuple, int] = {}
        self.shift_of: dict[tuple[int, dt.date], tuple[int, int]] = {}  # → (shift, register)
        self.stock_delta: dict[tuple[int, int, int], int] = defaultdict(int)
        self.level_delta: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])

    def count(self, name: str, n: int) -> None:
        self.counts[name] += n

    # --- set-up rows ----------------------------------------------------------------------
    def batches(self) -> None:
        from omniretail.inventory.models import DEFAULT_LOT, Batch

        now = clock.now()
        skus = sorted({p.sku for p in self.sim.pools.values()})
        existing = dict(
            Batch.objects.filter(sku_id__in=skus, lot_code=DEFAULT_LOT).values_list("sku_id", "pk")
        )
        _bulk(
            Batch,
            [
                Batch(sku_id=s, lot_code=DEFAULT_LOT, created_at=now)
                for s in skus
                if s not in existing
            ],
        )
        for sku, pk in Batch.objects.filter(sku_id__in=skus, lot_code=DEFAULT_LOT).values_list(
            "sku_id", "pk"
        ):
            self.batch_pk[("D", sku)] = pk
        lots = self.sim.lots_used
        made = _bulk(
            Batch,
            [
                Batch(
                    sku_id=sku, lot_code=code, production_date=prod, expiry_date=exp, created_at=now
                )
                for _key, (sku, code, prod, exp) in sorted(lots.items())
            ],
        )
        self.count("inventory.Batch", len(made))
        by_code = {
            (sku, code): pk
            for sku, code, pk in Batch.objects.filter(
                lot_code__in=[v[1] for v in lots.values()]
            ).values_list("sku_id", "lot_code", "pk")
        }
        for key, (sku, code, _p, _e) in lots.items():
            self.batch_pk[key] = by_code[(sku, code)]

    def shifts(self, orders: list[hs.Order]) -> None:
        """One closed shift per store and trading day on the store's first register, its
        drawer ledger (float, cash sales, change) and a count equal to the expectation (a few
        drawers a little off, as counts are)."""
        from omniretail.pos.models import CashMovement, Register, Shift, ShiftStatus

        registers: dict[int, int] = {}
        for pk, store_id in (
            Register.objects.filter(store_id__in=[s.pk for s in self.data.stores])
            .order_by("-pk")
            .values_list("pk", "store_id")
        ):
            registers[store_id] = pk
        days: dict[tuple[int, dt.date], list[hs.Order]] = defaultdict(list)
        for o in orders:
            if o.channel == "pos" and o.store.pk in registers:
                days[(o.store.pk, self.data.local_date(o.created))].append(o)
        keys = sorted(days)
        float_fen = 500_00
        rng = self.sim.rng
        rows, variances = [], []
        for store_pk, day in keys:
            store = next(s for s in self.data.stores if s.pk == store_pk)
            cash = sum(
                (t.tendered or 0) - t.change
                for o in days[(store_pk, day)]
                for t in o.tenders
                if t.kind == "cash"
            )
            expected = float_fen + cash
            variance = rng.choice([-200, -100, 50, 100]) if rng.random() < 0.02 else 0
            variances.append(variance)
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
        made = []
        for start in range(0, len(rows), BATCH):
            with transaction.atomic():
                made += _bulk(Shift, rows[start : start + BATCH])
        for (store_pk, day), shift in zip(keys, made, strict=True):
            self.shift_of[(store_pk, day)] = (shift.pk, registers[store_pk])
        floats = [
            CashMovement(
                shift_id=s.pk,
                kind="float",
                amount=hs.cny(float_fen),
                reason="opening float",
                at=s.opened_at,
            )
            for s in made
        ]
        with transaction.atomic():
            _bulk(CashMovement, floats)
        self.count("pos.Shift", len(made))
        self.count("pos.CashMovement", len(floats))

    # --- orders -----------------------------------------------------------------------------
    def orders(self, orders: list[hs.Order]) -> None:
        task = self.ctx.track("history: orders", len(orders))
        for start in range(0, len(orders), ORDERS_PER_CHUNK):
            chunk = orders[start : start + ORDERS_PER_CHUNK]
            with transaction.atomic():
                self._chunk(chunk)
            self.ctx.progress.update(task, completed=start + len(chunk))

    def _chunk(self, chunk: list[hs.Order]) -> None:
        from omniretail.inventory.models import AppliedOperation, Movement, Reservation
        from omniretail.members.models import PointsEntry
        from omniretail.payments.models import LedgerEntry, Payment, Refund, SandboxTransaction
        from omniretail.pos.models import CashMovement, PosSale
        from omniretail.promotions.models import AppliedDiscount

        from .models import Order, OrderEvent, OrderLine, OrderReturn, OrderReturnLine

        data = self.data
        extra = {name for name in ("paid_at", "sla_due_at", "fulfilled_at") if _has(Order, name)}
        rows = []
        for o in chunk:
            row = Order(
                number=o.number,
                channel=o.channel,
                store_id=o.store.pk,
                location_id=o.store.floor,
                member_id=o.member_id,
                fulfilment_mode=o.mode,
                status=o.status,
                list_total=hs.cny(o.list_total),
                discount_total=hs.cny(o.discount_total),
                total=hs.cny(o.total),
                external_order_id=o.external_id,
                reference=o.reference,
                pickup_code=o.pickup_code,
                ready_at=o.ready_at,
                created_at=o.created,
                updated_at=o.updated_at,
            )
            for name in extra:
                setattr(row, name, getattr(o, name))
            rows.append(row)
        made = _bulk(Order, rows)
        pk_of = {o.number: r.pk for o, r in zip(chunk, made, strict=True)}
        lines = [
            OrderLine(
                order_id=pk_of[o.number],
                line_no=n,
                sku_id=ln.sku,
                quantity=ln.qty,
                unit_price=hs.cny(ln.unit),
                discount=hs.cny(ln.discount),
                net=hs.cny(ln.net),
                allocations=ln.allocations,
                in_store_purchase=ln.in_store,
            )
            for o in chunk
            for n, ln in enumerate(o.lines, start=1)
        ]
        lines = _bulk(OrderLine, lines)
        line_pk = {(ln.order_id, ln.line_no): ln.pk for ln in lines}
        # Returns first: their ids go into the order timeline.
        returns = [o for o in chunk if o.ret]
        ret_rows = _bulk(
            OrderReturn,
            [
                OrderReturn(
                    order_id=pk_of[o.number],
                    store_id=o.store.pk,
                    location_id=o.store.floor,
                    reference=f"ret:{o.number}",
                    reason=o.ret.reason,
                    amount=hs.cny(o.ret.amount),
                    refunded=hs.cny(o.ret.refunded),
                    refund_due=hs.cny(o.ret.amount - o.ret.refunded),
                    points_reversed=o.ret.points,
                    created_at=o.ret.at,
                )
                for o in returns
                if o.ret
            ],
        )
        ret_pk = {o.number: r.pk for o, r in zip(returns, ret_rows, strict=True)}
        _bulk(
            OrderReturnLine,
            [
                OrderReturnLine(
                    order_return_id=ret_pk[o.number],
                    order_line_id=line_pk[(pk_of[o.number], no)],
                    quantity=qty,
                    net=hs.cny(net),
                )
                for o in returns
                if o.ret
                for no, qty, net in o.ret.lines
            ],
        )
        events = []
        for o in chunk:
            for kind, from_s, to_s, at, note in o.events:
                payload: dict[str, Any] = {}
                if kind == "created":
                    payload = {"reference": o.reference, "explanation": []}
                elif kind == "returned" and o.ret:
                    payload = {
                        "return_id": ret_pk[o.number],
                        "reference": f"ret:{o.number}",
                        "amount": str(hs.cny(o.ret.amount)),
                    }
                events.append(
                    OrderEvent(
                        order_id=pk_of[o.number],
                        kind=kind,
                        from_status=from_s,
                        to_status=to_s,
                        at=at,
                        actor_label="system",
                        note=note,
                        data=payload,
                    )
                )
        _bulk(OrderEvent, events)
        _bulk(
            AppliedDiscount,
            [
                AppliedDiscount(
                    brand_id=data.brand_id,
                    order_ref=o.number,
                    line_ref=str(line_no),
                    sku_id=o.lines[line_no - 1].sku,
                    promotion_id=promo,
                    amount=hs.cny(fen),
                    reason=msg,
                    created_at=o.created,
                )
                for o in chunk
                for promo, msg, line_no, fen in o.applied
            ],
        )
        reservations = [
            Reservation(
                reference=f"{o.number}:{n}",
                sku_id=ln.sku,
                location_id=o.store.floor,
                quantity=ln.qty,
                channel=STOCK_CHANNEL[o.channel],
                status=o.reservation,
                expires_at=o.created + dt.timedelta(days=HOLD_DAYS),
                created_at=o.created,
                closed_at=o.closed_at if o.reservation != "active" else None,
            )
            for o in chunk
            if o.reservation
            for n, ln in enumerate(o.lines, start=1)
        ]
        _bulk(Reservation, reservations)
        for r in reservations:
            if r.status == "active":
                self.level_delta[(r.sku_id, r.location_id)][2] += r.quantity
        # Payments, their ledger, refunds and the sandbox gateway's book.
        payments, tender_of = [], []
        for o in chunk:
            attempt = {"pos": f"pos:rcpt-{o.number}", "online": f"pay-{o.number}"}.get(
                o.channel, f"mkt-{o.external_id}"
            )
            shift = self.shift_of.get((o.store.pk, data.local_date(o.created)), (None, None))
            for n, t in enumerate(o.tenders):
                ref = f"{attempt}:{n}"
                provider = hs.PROVIDER[t.kind]
                txn = ""
                if provider == "sandbox":
                    txn = hs.sandbox_id("SBX", ref)
                elif provider == "card_terminal":
                    txn = hs.card_id(ref)
                status = (
                    "refunded"
                    if t.refunded == t.amount
                    else "partially_refunded"
                    if t.refunded
                    else "captured"
                )
                payments.append(
                    Payment(
                        order_id=pk_of[o.number],
                        kind=t.kind,
                        amount=hs.cny(t.amount),
                        refunded_amount=hs.cny(t.refunded),
                        tendered=hs.cny(t.tendered) if t.tendered is not None else None,
                        change_due=hs.cny(t.change),
                        status=status,
                        provider=provider,
                        provider_txn_id=txn,
                        reference=ref,
                        attempt=attempt,
                        position=n,
                        auth_hint=t.auth,
                        register_id=shift[1] if o.channel == "pos" else None,
                        shift_id=shift[0] if o.channel == "pos" else None,
                        created_at=o.paid_at - dt.timedelta(seconds=8),
                        captured_at=o.paid_at,
                    )
                )
                tender_of.append((o, t))
        payments = _bulk(Payment, payments)
        ledger, refunds, refund_meta, sandbox = [], [], [], []
        for p, (o, t) in zip(payments, tender_of, strict=True):
            ledger.append(
                LedgerEntry(
                    payment_id=p.pk,
                    order_id=p.order_id,
                    kind="capture",
                    amount=p.amount,
                    provider=p.provider,
                    at=p.captured_at,
                )
            )
            if p.provider == "sandbox":
                sandbox.append(
                    SandboxTransaction(
                        txn_id=p.provider_txn_id,
                        out_trade_no=p.reference,
                        kind=p.kind,
                        amount=p.amount,
                        refunded=p.refunded_amount,
                        status="success",
                        created_at=p.created_at,
                        paid_at=p.captured_at,
                    )
                )
            for fen, at in t.refunds:
                ref = f"ret:{o.number}:p{p.pk}"
                provider_id = ""
                if p.provider == "sandbox":
                    provider_id = hs.sandbox_id("SBXR", ref)
                elif p.provider == "card_terminal":
                    provider_id = hs.card_id(ref)
                refunds.append(
                    Refund(
                        payment_id=p.pk,
                        amount=hs.cny(fen),
                        status="succeeded",
                        reference=ref,
                        reason=o.ret.reason if o.ret else "return",
                        provider_refund_id=provider_id,
                        created_at=at,
                        completed_at=at,
                    )
                )
                refund_meta.append(p)
        refunds = _bulk(Refund, refunds)
        for r, p in zip(refunds, refund_meta, strict=True):
            ledger.append(
                LedgerEntry(
                    payment_id=p.pk,
                    refund_id=r.pk,
                    order_id=p.order_id,
                    kind="refund",
                    amount=-r.amount,
                    provider=p.provider,
                    at=r.completed_at,
                )
            )
        _bulk(LedgerEntry, ledger)
        _bulk(SandboxTransaction, sandbox)
        # Stock ledger rows of the sales and returns.
        moves = [m for o in chunk for m in o.movements]
        self._movements(moves, Movement, AppliedOperation)
        # Till receipts and the drawer.
        sales, cash = [], []
        for o in chunk:
            shift = self.shift_of.get((o.store.pk, data.local_date(o.created)))
            if o.channel != "pos" or shift is None:
                continue
            change = sum(t.change for t in o.tenders)
            sales.append(
                PosSale(
                    shift_id=shift[0],
                    order_id=pk_of[o.number],
                    reference=f"rcpt-{o.number}",
                    paid_total=hs.cny(o.total),
                    change_due=hs.cny(change),
                    tenders=[{"kind": t.kind, "amount": str(hs.cny(t.amount))} for t in o.tenders],
                    created_at=o.paid_at,
                )
            )
            for t in o.tenders:
                if t.kind != "cash":
                    continue
                cash.append(
                    CashMovement(
                        shift_id=shift[0],
                        kind="sale",
                        amount=hs.cny(t.tendered or t.amount),
                        at=o.paid_at,
                        reference=o.number,
                    )
                )
                if t.change:
                    cash.append(
                        CashMovement(
                            shift_id=shift[0],
                            kind="change",
                            amount=hs.cny(t.change),
                            at=o.paid_at,
                            reference=o.number,
                        )
                    )
        _bulk(PosSale, sales)
        _bulk(CashMovement, cash)
        # Points: earned on each paid member order, reversed in part on a return.
        earned = [o for o in chunk if o.earn]
        earn_rows = _bulk(
            PointsEntry,
            [
                PointsEntry(
                    brand_id=data.brand_id,
                    member_id=o.member_id,
                    kind="earn",
                    points=o.earn["points"],  # type: ignore[index]
                    remaining=o.earn["remaining"],  # type: ignore[index]
                    expires_on=o.earn["expires"],  # type: ignore[index]
                    balance_after=o.earn["balance_after"],  # type: ignore[index]
                    reference=o.number,
                    net_amount=hs.cny(o.total),
                    store_id=o.store.pk,
                    created_at=o.earn["at"],  # type: ignore[index]
                )
                for o in earned
            ],
        )
        source = {o.number: e.pk for o, e in zip(earned, earn_rows, strict=True)}
        reversals = [
            PointsEntry(
                brand_id=data.brand_id,
                member_id=o.member_id,
                kind="reverse",
                points=-o.ret.points,
                remaining=0,
                balance_after=o.ret.points_balance_after,
                reference=f"return:ret:{o.number}",
                net_amount=-hs.cny(o.ret.amount),
                source_entry_id=source[o.number],
                store_id=o.store.pk,
                created_at=o.ret.at,
            )
            for o in earned
            if o.ret and o.ret.amount > 0
        ]
        _bulk(PointsEntry, reversals)
        for name, n in (
            ("orders.Order", len(made)),
            ("orders.OrderLine", len(lines)),
            ("orders.OrderEvent", len(events)),
            ("orders.OrderReturn", len(ret_rows)),
            ("inventory.Reservation", len(reservations)),
            ("payments.Payment", len(payments)),
            ("payments.Refund", len(refunds)),
            ("payments.LedgerEntry", len(ledger)),
            ("payments.SandboxTransaction", len(sandbox)),
            ("pos.PosSale", len(sales)),
            ("pos.CashMovement", len(cash)),
            ("members.PointsEntry", len(earn_rows) + len(reversals)),
            ("promotions.AppliedDiscount", sum(len(o.applied) for o in chunk)),
        ):
            self.count(name, n)

    def _movements(self, moves: list[tuple], Movement: Any, AppliedOperation: Any) -> None:
        rows, ops, seen = [], [], set()
        for kind, at, reason, ref, sku, loc, lot_key, qty, unit, value in moves:
            batch = self.batch_pk[lot_key]
            rows.append(
                Movement(
                    at=at,
                    kind=kind,
                    reason=reason[:200],
                    reference=ref[:100],
                    sku_id=sku,
                    location_id=loc,
                    batch_id=batch,
                    quantity=qty,
                    unit_cost_fen=unit,
                    value_fen=value,
                )
            )
            self.stock_delta[(sku, loc, batch)] += qty
            self.level_delta[(sku, loc)][0] += qty
            self.level_delta[(sku, loc)][1] += value
            if ref and kind != "write_off":
                key = f"{kind}:{ref}"[:150]
                if key not in seen:
                    seen.add(key)
                    ops.append(AppliedOperation(key=key, kind=kind, created_at=at))
        _bulk(Movement, rows)
        _bulk(AppliedOperation, ops)
        self.count("inventory.Movement", len(rows))
        self.count("inventory.AppliedOperation", len(ops))

    def receipts(self) -> None:
        from omniretail.inventory.models import AppliedOperation, Movement

        rows = sorted(self.sim.receipt_rows, key=lambda r: r[1])
        for start in range(0, len(rows), BATCH):
            with transaction.atomic():
                self._movements(rows[start : start + BATCH], Movement, AppliedOperation)

    # --- projections ----------------------------------------------------------------------
    def projections(self, sequences: dict[tuple[str, dt.date], int]) -> None:
        from omniretail.core.models import DocumentSequence
        from omniretail.inventory.models import StockBatch, StockLevel
        from omniretail.members.models import Member

        now = clock.now()
        existing = {
            (sb.sku_id, sb.location_id, sb.batch_id): sb
            for sb in StockBatch.objects.filter(
                location_id__in=[s.floor for s in self.data.stores],
                sku_id__in={k[0] for k in self.stock_delta},
            )
        }
        updates, creates = [], []
        for key, delta in sorted(self.stock_delta.items()):
            sb = existing.get(key)
            if sb is not None:
                if delta:
                    sb.on_hand += delta
                    updates.append(sb)
            elif delta:
                creates.append(
                    StockBatch(sku_id=key[0], location_id=key[1], batch_id=key[2], on_hand=delta)
                )
        levels = {
            (lv.sku_id, lv.location_id): lv
            for lv in StockLevel.objects.filter(
                location_id__in=[s.floor for s in self.data.stores],
                sku_id__in={k[0] for k in self.level_delta},
            )
        }
        level_updates, level_creates = [], []
        for (sku, loc), (qty, value, reserved) in sorted(self.level_delta.items()):
            lv = levels.get((sku, loc))
            if lv is None:
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
                lv.on_hand += qty
                lv.value_fen += value
                lv.reserved += reserved
                lv.updated_at = now
                level_updates.append(lv)
        with transaction.atomic():
            _bulk(StockBatch, creates)
            StockBatch.objects.bulk_update(updates, ["on_hand"], batch_size=BATCH)
        with transaction.atomic():
            _bulk(StockLevel, level_creates)
            StockLevel.objects.bulk_update(
                level_updates, ["on_hand", "value_fen", "reserved", "updated_at"], batch_size=BATCH
            )
        self.count("inventory.StockBatch (new)", len(creates))
        self.count("inventory.StockLevel (new)", len(level_creates))
        # Members: balances, last activity and tiers reached by rolling spend.
        states = self.sim.member_state
        members = list(
            Member.objects.filter(pk__in=list(states)).only(
                "pk", "points_balance", "tier_id", "last_activity_at"
            )
        )
        for m in members:
            s = states[m.pk]
            m.points_balance = s["balance"]
            m.tier_id = self.data.tiers[s["tier"]]["pk"]
            if s["last"] and s["last"] > m.last_activity_at:
                m.last_activity_at = s["last"]
        for start in range(0, len(members), BATCH):
            with transaction.atomic():
                Member.objects.bulk_update(
                    members[start : start + BATCH],
                    ["points_balance", "tier", "last_activity_at"],
                    batch_size=BATCH,
                )
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
            _bulk(DocumentSequence, seq_creates)
            DocumentSequence.objects.bulk_update(seq_updates, ["last_value"], batch_size=BATCH)


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
    return dict(sorted(w.counts.items()))
