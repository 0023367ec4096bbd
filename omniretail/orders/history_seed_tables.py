"""Fast inserts for the demo history: a model's table filled from tuples in bulk.

A year of trading is about a million rows, too many for model instances. Ids are allocated
here (the seed is the only writer), values go through the backend's adapters (datetimes,
dates, JSON; money is integer fen as ``MoneyField`` stores it), and columns the writer does
not name get their model default, so a column added later never breaks the seed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Max

from omniretail.core import bulkload

BATCH = 5000


def _has(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


class Table:
    """Fast inserts into one model's table, with ids allocated by the caller."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        self.model = model
        meta = model._meta
        self.fields = [meta.get_field(name) for name in fields]
        # Columns this writer does not know (added later by the app's owner) get their
        # model default, so a new NOT NULL column with a default never breaks the seed.
        given = {f.name for f in self.fields}
        self.rest = [f for f in meta.concrete_fields if not f.primary_key and f.name not in given]
        self.rest_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in self.rest)
        self.columns: list[str] = [
            "id",
            *[str(f.column) for f in self.fields],  # type: ignore[union-attr]
            *[str(f.column) for f in self.rest],
        ]
        self.convert = [self._converter(f) for f in self.fields]
        top = model._default_manager.aggregate(m=Max("pk"))["m"]  # type: ignore[attr-defined]
        self.next_id = (top or 0) + 1
        self.written = 0

    @staticmethod
    def _converter(field: Any) -> Callable[[Any], Any] | None:
        ops = connection.ops
        sqlite = connection.vendor == "sqlite"
        if isinstance(field, models.DateTimeField):
            # SQLite stores naive UTC text, as its backend adapter writes it (only faster).
            return _sqlite_datetime if sqlite else ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(field, models.JSONField):
            if sqlite and field.encoder is None:
                return json.dumps
            return lambda v: field.get_db_prep_save(v, connection)
        return None  # ints (fen), strings, booleans, foreign keys as ids

    def ids(self, n: int) -> range:
        start = self.next_id
        self.next_id += n
        return range(start, start + n)

    def insert(self, rows: list[tuple]) -> None:
        """``rows`` are (id, *values) in the order of ``fields``."""
        if not rows:
            return
        conv = [(i + 1, c) for i, c in enumerate(self.convert) if c is not None]
        rest = self.rest_values
        prepared = []
        for row in rows:
            if conv:
                row = list(row)  # type: ignore[assignment]
                for i, c in conv:
                    row[i] = c(row[i])  # type: ignore[index]
            prepared.append((*row, *rest))
        # The seeders' bulk loader: COPY on PostgreSQL (``executemany`` ran one INSERT per row,
        # 150 s of the demo seed), one JSON array per chunk on SQLite.
        bulkload.insert_rows(self.model._meta.db_table, self.columns, prepared)
        self.written += len(rows)


def order_extra_fields() -> list[str]:
    """SLA columns of ``Order`` when the installed orders app has them."""
    from .models import Order

    return [n for n in ("paid_at", "sla_due_at", "fulfilled_at") if _has(Order, n)]


def make_tables(order_extra: list[str]) -> dict[str, Table]:
    """The tables the history writes, each with the columns it fills itself."""
    from omniretail.core.models import AuditLog
    from omniretail.inventory.models import AppliedOperation, Movement, Reservation
    from omniretail.members.models import PointsEntry
    from omniretail.payments.models import LedgerEntry, Payment, Refund, SandboxTransaction
    from omniretail.pos.models import CashMovement, PosSale
    from omniretail.promotions.models import AppliedDiscount

    from .models import Order, OrderEvent, OrderLine, OrderReturn, OrderReturnLine

    return {
        "audit": Table(
            AuditLog,
            ["at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr",
             "brand_id", "store_id", "ip_address", "user_agent", "device", "changes", "reason",
             "is_pii_read"],
        ),
        "order": Table(
            Order,
            [
                "number", "channel", "store", "location", "member_id", "fulfilment_mode",
                "status", "list_total", "discount_total", "total", "external_order_id",
                "reference", "pickup_code", "ready_at", "created_at", "updated_at",
                *order_extra,
            ],
        ),
        "line": Table(
            OrderLine,
            ["order", "line_no", "sku", "quantity", "unit_price", "discount", "net",
             "allocations", "in_store_purchase"],
        ),
        "event": Table(
            OrderEvent,
            ["order", "kind", "from_status", "to_status", "at", "user_id", "actor_label",
             "device", "ip_address", "note", "data"],
        ),
        "return": Table(
            OrderReturn,
            ["order", "store", "location", "reference", "reason", "amount", "refunded",
             "refund_due", "points_reversed", "created_at"],
        ),
        "return_line": Table(OrderReturnLine, ["order_return", "order_line", "quantity", "net"]),
        "applied": Table(
            AppliedDiscount,
            ["brand", "order_ref", "line_ref", "sku_id", "promotion", "coupon", "amount",
             "reason", "created_at"],
        ),
        "reservation": Table(
            Reservation,
            ["reference", "sku", "location", "quantity", "channel", "status", "expires_at",
             "created_at", "closed_at"],
        ),
        "payment": Table(
            Payment,
            ["order", "kind", "amount", "refunded_amount", "tendered", "change_due", "status",
             "provider", "provider_txn_id", "reference", "attempt", "position", "auth_hint",
             "member_id", "register_id", "shift_id", "failure_reason", "created_at",
             "captured_at"],
        ),
        "refund": Table(
            Refund,
            ["payment", "amount", "status", "reference", "reason", "provider_refund_id",
             "failure_reason", "created_at", "completed_at"],
        ),
        "ledger": Table(
            LedgerEntry, ["payment", "refund", "order_id", "kind", "amount", "provider", "at"]
        ),
        "sandbox": Table(
            SandboxTransaction,
            ["txn_id", "out_trade_no", "kind", "amount", "refunded", "status", "created_at",
             "paid_at"],
        ),
        "movement": Table(
            Movement,
            ["at", "kind", "reason", "reference", "user", "sku", "location", "batch",
             "quantity", "unit_cost_fen", "value_fen"],
        ),
        "operation": Table(AppliedOperation, ["key", "kind", "created_at"]),
        "pos_sale": Table(
            PosSale,
            ["shift", "order", "reference", "paid_total", "change_due", "tenders",
             "created_at"],
        ),
        "cash": Table(CashMovement, ["shift", "kind", "amount", "reason", "reference", "at"]),
        "points": Table(
            PointsEntry,
            ["brand", "member", "kind", "points", "balance_after", "remaining", "expires_on",
             "reference", "net_amount", "source_entry", "store", "note", "created_at"],
        ),
    }  # fmt: skip
