"""The analytics boundary: the ONE module that reads other domains' transactional tables.

Everything analytics shows is computed from Parquet files written here, never from live
queries on orders, payments, inventory or members. The extract is change-based and
idempotent:

1. Find the business days touched since the last run: orders whose ``updated_at`` is at or
   after the watermark (minus a small overlap, so a transaction that committed late with an
   older timestamp is still seen), and customer returns with an id above the last one seen.
2. Rebuild each touched day's partition completely (``sales/day=YYYY-MM-DD/part.parquet`` and
   ``returns/day=…``) from read-only ``values()`` queries in chunks of ``CHUNK`` orders. A day
   is rewritten into a temporary file and swapped in with ``os.replace``, so a reader sees the
   old or the new day, never half of one.
3. Snapshot stock on hand and its value per store (``stock/day=…``) for the inventory metrics.
4. Record freshness (``state.json``): the time of the data and the watermarks.

Reads never run inside ``transaction.atomic`` (with SQLite's IMMEDIATE mode that would take the
write lock and block the till); each chunk is a short autocommit read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from omniretail.core import clock

CHUNK = 1000
OVERLAP = dt.timedelta(minutes=5)
SLA_MINUTES = 30

# An order counts as a sale once paid; cancelled and never-paid orders do not.
SOLD_STATUSES = (
    "paid",
    "allocated",
    "picking",
    "ready_for_pickup",
    "out_for_delivery",
    "shipped",
    "partially_fulfilled",
    "completed",
    "refunded",
)
ANSWERED_STATUSES = ("ready_for_pickup", "out_for_delivery", "shipped", "completed")

SALES_SCHEMA = pa.schema(
    [
        ("order_id", pa.int64()),
        ("line_no", pa.int32()),
        ("day", pa.date32()),
        ("hour", pa.int8()),
        ("weekday", pa.int8()),  # 1 = Monday … 7 = Sunday
        ("brand_id", pa.int64()),
        ("region_id", pa.int64()),
        ("store_id", pa.int64()),
        ("channel", pa.string()),
        ("fulfilment_mode", pa.string()),
        ("member_id", pa.int64()),
        ("member_tier", pa.string()),
        ("sku_id", pa.int64()),
        ("category_id", pa.int64()),
        ("quantity", pa.int64()),
        ("list_fen", pa.int64()),
        ("discount_fen", pa.int64()),
        ("net_fen", pa.int64()),
        ("cost_fen", pa.int64()),
        ("sla_due", pa.bool_()),
        ("sla_met", pa.bool_()),
    ]
)
RETURNS_SCHEMA = pa.schema(
    [
        ("return_id", pa.int64()),
        ("order_id", pa.int64()),
        ("day", pa.date32()),
        ("hour", pa.int8()),
        ("weekday", pa.int8()),
        ("brand_id", pa.int64()),
        ("region_id", pa.int64()),
        ("store_id", pa.int64()),
        ("channel", pa.string()),
        ("member_id", pa.int64()),
        ("member_tier", pa.string()),
        ("sku_id", pa.int64()),
        ("category_id", pa.int64()),
        ("quantity", pa.int64()),
        ("net_fen", pa.int64()),
    ]
)
STOCK_SCHEMA = pa.schema(
    [
        ("day", pa.date32()),
        ("brand_id", pa.int64()),
        ("region_id", pa.int64()),
        ("store_id", pa.int64()),
        ("sku_id", pa.int64()),
        ("category_id", pa.int64()),
        ("on_hand", pa.int64()),
        ("value_fen", pa.int64()),
    ]
)
# One row per sold order: counts of orders, SLA and customers without COUNT(DISTINCT) over lines
ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.int64()),
        ("day", pa.date32()),
        ("hour", pa.int8()),
        ("weekday", pa.int8()),
        ("brand_id", pa.int64()),
        ("region_id", pa.int64()),
        ("store_id", pa.int64()),
        ("channel", pa.string()),
        ("member_id", pa.int64()),
        ("member_tier", pa.string()),
        ("net_fen", pa.int64()),
        ("units", pa.int64()),
        ("sla_due", pa.bool_()),
        ("sla_met", pa.bool_()),
    ]
)
TABLES = {
    "sales": SALES_SCHEMA,
    "orders": ORDERS_SCHEMA,
    "returns": RETURNS_SCHEMA,
    "stock": STOCK_SCHEMA,
}
ORDER_COLUMNS = [n for n in ORDERS_SCHEMA.names if n not in {"net_fen", "units"}]


def orders_from_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order-level rows of a day's sold lines (same day, store, channel … per order)."""
    orders: dict[int, dict[str, Any]] = {}
    for ln in lines:
        row = orders.get(ln["order_id"])
        if row is None:
            row = {name: ln[name] for name in ORDER_COLUMNS}
            row["net_fen"] = 0
            row["units"] = 0
            orders[ln["order_id"]] = row
        row["net_fen"] += ln["net_fen"]
        row["units"] += ln["quantity"]
    return [orders[k] for k in sorted(orders)]


def _write_sales_day(base: Path, day: dt.date, stores: dict[int, dict[str, Any]]) -> None:
    lines = _sales_rows(day, stores)
    _write_day(base, "sales", day, lines)
    _write_day(base, "orders", day, orders_from_lines(lines))


def root() -> Path:
    """Where the extract lives: ``OMNIRETAIL_ANALYTICS_DIR`` or ``<data dir>/analytics``."""
    configured = getattr(settings, "ANALYTICS_DIR", None) or os.environ.get(
        "OMNIRETAIL_ANALYTICS_DIR"
    )
    path = Path(configured) if configured else Path(settings.DATA_DIR) / "analytics"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- state ------------------------------------------------------------------------------------


@dataclass
class ExtractState:
    data_as_of: dt.datetime | None = None
    orders_watermark: dt.datetime | None = None
    last_return_id: int = 0
    days_rebuilt: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
            "orders_watermark": self.orders_watermark.isoformat()
            if self.orders_watermark
            else None,
            "last_return_id": self.last_return_id,
            "days_rebuilt": self.days_rebuilt,
        }


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def load_state(base: Path | None = None) -> ExtractState:
    path = (base or root()) / "state.json"
    if not path.exists():
        return ExtractState()
    raw = json.loads(path.read_text())
    return ExtractState(
        data_as_of=_parse(raw.get("data_as_of")),
        orders_watermark=_parse(raw.get("orders_watermark")),
        last_return_id=int(raw.get("last_return_id") or 0),
        days_rebuilt=int(raw.get("days_rebuilt") or 0),
    )


def _save_state(state: ExtractState, base: Path) -> None:
    tmp = base / "state.json.tmp"
    tmp.write_text(json.dumps(state.to_json()))
    os.replace(tmp, base / "state.json")


# --- helpers ----------------------------------------------------------------------------------


def _local(ts: dt.datetime) -> dt.datetime:
    return timezone.localtime(ts)


def _fen(value: Any) -> int:
    return int((value or 0) * 100)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _write_day(base: Path, table: str, day: dt.date, rows: list[dict[str, Any]]) -> None:
    folder = base / table / f"day={day.isoformat()}"
    if not rows:
        shutil.rmtree(folder, ignore_errors=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    schema = TABLES[table]
    arrays = {name: [r[name] for r in rows] for name in schema.names}
    tbl = pa.Table.from_pydict(arrays, schema=schema)
    tmp = folder / "part.parquet.tmp"
    pq.write_table(tbl, tmp)
    os.replace(tmp, folder / "part.parquet")


def _write_day_batches(
    base: Path, table: str, day: dt.date, batches: Iterator[list[dict[str, Any]]]
) -> None:
    """``_write_day`` for a partition too big to hold at once: row groups written as they come,
    the file swapped in only when complete."""
    folder = base / table / f"day={day.isoformat()}"
    schema = TABLES[table]
    tmp = folder / "part.parquet.tmp"
    writer = None
    try:
        for rows in batches:
            if writer is None:
                folder.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(tmp, schema)
            arrays = {name: [r[name] for r in rows] for name in schema.names}
            writer.write_table(pa.Table.from_pydict(arrays, schema=schema))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    os.replace(tmp, folder / "part.parquet")


def _stores() -> dict[int, dict[str, Any]]:
    from omniretail.core.models import Store

    return {s["id"]: s for s in Store.objects.values("id", "brand_id", "region_id")}


def _sku_categories(sku_ids: Iterable[int]) -> dict[int, int]:
    from omniretail.catalog.models import Sku

    out: dict[int, int] = {}
    for chunk in _chunks(sorted(set(sku_ids))):
        out.update(Sku.objects.filter(pk__in=chunk).values_list("pk", "product__category_id"))
    return out


def _member_tiers(member_ids: Iterable[int]) -> dict[int, str]:
    from omniretail.members.models import Member

    out: dict[int, str] = {}
    for chunk in _chunks(sorted({m for m in member_ids if m})):
        out.update(Member.objects.filter(pk__in=chunk).values_list("pk", "tier__code"))
    return out


# --- the day builders -------------------------------------------------------------------------


def _sales_rows(day: dt.date, stores: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    from omniretail.inventory.models import Movement
    from omniretail.orders.models import Order, OrderEvent, OrderLine

    start, end = clock.business_day_bounds(day)
    order_ids = list(
        Order.objects.filter(created_at__gte=start, created_at__lt=end, status__in=SOLD_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(order_ids):
        orders = {
            o["id"]: o
            for o in Order.objects.filter(pk__in=chunk).values(
                "id",
                "number",
                "store_id",
                "channel",
                "fulfilment_mode",
                "member_id",
                "created_at",
            )
        }
        lines = list(
            OrderLine.objects.filter(order_id__in=chunk).values(
                "order_id", "line_no", "sku_id", "quantity", "unit_price", "discount", "net"
            )
        )
        refs = {f"order:{orders[ln['order_id']]['number']}:{ln['line_no']}": ln for ln in lines}
        cost: dict[str, int] = defaultdict(int)
        for ref_chunk in _chunks(list(refs)):
            for ref, value in Movement.objects.filter(
                kind="sale", reference__in=ref_chunk
            ).values_list("reference", "value_fen"):
                cost[ref] -= value
        answered: dict[int, dt.datetime] = {}
        remote = [oid for oid, o in orders.items() if o["fulfilment_mode"] != "pos_carry_out"]
        if remote:
            for oid, at in (
                OrderEvent.objects.filter(order_id__in=remote, to_status__in=ANSWERED_STATUSES)
                .values("order_id")
                .annotate(first=Min("at"))
                .values_list("order_id", "first")
            ):
                answered[oid] = at
        categories = _sku_categories(ln["sku_id"] for ln in lines)
        tiers = _member_tiers(o["member_id"] for o in orders.values())
        for ref, ln in refs.items():
            o = orders[ln["order_id"]]
            local = _local(o["created_at"])
            store = stores[o["store_id"]]
            due = o["fulfilment_mode"] != "pos_carry_out"
            done_at = answered.get(o["id"])
            rows.append(
                {
                    "order_id": o["id"],
                    "line_no": ln["line_no"],
                    "day": day,
                    "hour": local.hour,
                    "weekday": local.isoweekday(),
                    "brand_id": store["brand_id"],
                    "region_id": store["region_id"],
                    "store_id": o["store_id"],
                    "channel": o["channel"],
                    "fulfilment_mode": o["fulfilment_mode"],
                    "member_id": o["member_id"],
                    "member_tier": tiers.get(o["member_id"]) if o["member_id"] else None,
                    "sku_id": ln["sku_id"],
                    "category_id": categories.get(ln["sku_id"]),
                    "quantity": ln["quantity"],
                    "list_fen": _fen(ln["unit_price"]) * ln["quantity"],
                    "discount_fen": _fen(ln["discount"]),
                    "net_fen": _fen(ln["net"]),
                    "cost_fen": cost.get(ref, 0),
                    "sla_due": due,
                    "sla_met": bool(
                        due
                        and done_at is not None
                        and done_at - o["created_at"] <= dt.timedelta(minutes=SLA_MINUTES)
                    ),
                }
            )
    return rows


def _returns_rows(day: dt.date, stores: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    from omniretail.orders.models import OrderReturnLine

    start, end = clock.business_day_bounds(day)
    line_ids = list(
        OrderReturnLine.objects.filter(
            order_return__created_at__gte=start, order_return__created_at__lt=end
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(line_ids):
        lines = list(
            OrderReturnLine.objects.filter(pk__in=chunk).values(
                "order_return_id",
                "order_return__order_id",
                "order_return__store_id",
                "order_return__created_at",
                "order_return__order__channel",
                "order_return__order__member_id",
                "order_line__sku_id",
                "quantity",
                "net",
            )
        )
        categories = _sku_categories(ln["order_line__sku_id"] for ln in lines)
        tiers = _member_tiers(ln["order_return__order__member_id"] for ln in lines)
        for ln in lines:
            local = _local(ln["order_return__created_at"])
            store = stores[ln["order_return__store_id"]]
            member = ln["order_return__order__member_id"]
            rows.append(
                {
                    "return_id": ln["order_return_id"],
                    "order_id": ln["order_return__order_id"],
                    "day": day,
                    "hour": local.hour,
                    "weekday": local.isoweekday(),
                    "brand_id": store["brand_id"],
                    "region_id": store["region_id"],
                    "store_id": ln["order_return__store_id"],
                    "channel": ln["order_return__order__channel"],
                    "member_id": member,
                    "member_tier": tiers.get(member) if member else None,
                    "sku_id": ln["order_line__sku_id"],
                    "category_id": categories.get(ln["order_line__sku_id"]),
                    "quantity": ln["quantity"],
                    "net_fen": _fen(ln["net"]),
                }
            )
    return rows


STOCK_BATCH = 50_000


def _stock_batches(day: dt.date) -> Iterator[list[dict[str, Any]]]:
    """Stock per (store, SKU), summed over the store's locations by the database and streamed
    in sorted batches: at 1,000 stores that is 5.7 million pairs, which loaded into Python at
    once took minutes and gigabytes."""
    from django.db.models import Sum

    from omniretail.inventory.models import StockLevel

    stores = _stores()
    pairs = (
        StockLevel.objects.filter(location__store__isnull=False)
        .values("location__store_id", "sku_id", "sku__product__category_id")
        .annotate(on_hand_sum=Sum("on_hand"), value_sum=Sum("value_fen"))
        .order_by("location__store_id", "sku_id")
        .values_list(
            "location__store_id", "sku_id", "sku__product__category_id", "on_hand_sum", "value_sum"
        )
    )
    batch: list[dict[str, Any]] = []
    for store_id, sku_id, category_id, on_hand, value in pairs.iterator(chunk_size=10_000):
        store = stores[store_id]
        batch.append(
            {
                "day": day,
                "brand_id": store["brand_id"],
                "region_id": store["region_id"],
                "store_id": store_id,
                "sku_id": sku_id,
                "category_id": category_id,
                "on_hand": int(on_hand or 0),
                "value_fen": int(value or 0),
            }
        )
        if len(batch) >= STOCK_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# --- the run ----------------------------------------------------------------------------------


def _touched_days(state: ExtractState) -> tuple[set[dt.date], dt.datetime | None, int]:
    from omniretail.orders.models import Order, OrderReturn

    days: set[dt.date] = set()
    orders = Order.objects.all()
    if state.orders_watermark is not None:
        orders = orders.filter(updated_at__gte=state.orders_watermark - OVERLAP)
    watermark = orders.aggregate(m=Max("updated_at"))["m"] or state.orders_watermark
    last_id = 0
    while True:
        batch = list(
            orders.filter(pk__gt=last_id).order_by("pk").values_list("pk", "created_at")[:5000]
        )
        if not batch:
            break
        days.update(_local(created).date() for _pk, created in batch)
        last_id = batch[-1][0]
    returns = OrderReturn.objects.filter(pk__gt=state.last_return_id)
    last_return = state.last_return_id
    for pk, created in returns.order_by("pk").values_list("pk", "created_at").iterator(2000):
        days.add(_local(created).date())
        last_return = max(last_return, pk)
    return days, watermark, last_return


def run_extract(*, full: bool = False, base: Path | None = None) -> ExtractState:
    """Bring the Parquet extract up to date; returns the new state. ``full`` rebuilds every
    day (after a change of the extract's shape)."""
    base = base or root()
    state = ExtractState() if full else load_state(base)
    started = clock.now()
    days, watermark, last_return = _touched_days(state)
    stores = _stores()
    for day in sorted(days):
        _write_sales_day(base, day, stores)
        _write_day(base, "returns", day, _returns_rows(day, stores))
    today = clock.today()
    _write_day_batches(base, "stock", today, _stock_batches(today))
    new = ExtractState(
        data_as_of=started,
        orders_watermark=watermark,
        last_return_id=last_return,
        days_rebuilt=len(days),
    )
    _save_state(new, base)
    from . import engine

    engine.invalidate()
    return new


def rebuild_days(days: Iterable[dt.date], base: Path | None = None) -> None:
    """Rewrite the given days' partitions (data-quality re-checks; repairs)."""
    base = base or root()
    stores = _stores()
    for day in sorted(set(days)):
        _write_sales_day(base, day, stores)
        _write_day(base, "returns", day, _returns_rows(day, stores))
    state = load_state(base)
    _save_state(state, base)
    from . import engine

    engine.invalidate()


def transactional_totals(day: dt.date) -> dict[str, Any]:
    """The day's totals straight from the transactional tables (for data-quality checks):
    sold orders, their GMV, and returns — the same definitions the extract applies."""
    from django.db.models import Count, Sum

    from omniretail.core.money import from_fen
    from omniretail.orders.models import Order, OrderLine, OrderReturn

    start, end = clock.business_day_bounds(day)
    sold = Order.objects.filter(created_at__gte=start, created_at__lt=end, status__in=SOLD_STATUSES)
    count = sold.aggregate(n=Count("pk"))["n"] or 0
    gmv = OrderLine.objects.filter(order__in=sold).aggregate(s=Sum("net"))["s"]
    returned = OrderReturn.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        s=Sum("amount")
    )["s"]
    return {
        "transactions": count,
        "gmv": from_fen(_fen(gmv)),
        "returns": from_fen(_fen(returned)),
    }


def freshness() -> dt.datetime | None:
    """The time the extracted data reflects (shown on every page as "data as of …")."""
    return load_state().data_as_of
