"""The ``checkout`` benchmark: a 5-line till basket with one promotion and a member, through
the checkout service (order → promotions → payment → stock → points → receipt).

It reports p50/p99 ms and checkouts/s of committed checkouts, then the framework's cost: for
a sample of checkouts the exact SQL statements one checkout runs are captured (inside a
transaction rolled back afterwards) and replayed through the bare DB-API driver cursor, same
statements and parameters, no ORM — ``orm_to_raw_ratio`` is ORM time ÷ driver time.

Everything lives under its own brand (``BENCH-POS``), so demo data is never touched and a
rerun reuses the store, SKUs, member and promotion.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import uuid
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from omniretail.core.benchmarking import BenchOptions, Latencies, benchmark

LINES = 5
PRICES = ("12.50", "8.80", "35.00", "4.20", "19.90")


def _setup() -> dict[str, Any]:
    from omniretail.catalog import pricing
    from omniretail.catalog.models import Barcode, Category, Product, Sku
    from omniretail.core.models import Brand, Location, LocationKind, Region, Store
    from omniretail.inventory import services as inventory
    from omniretail.inventory.models import StockLevel
    from omniretail.members.identity import register_member
    from omniretail.members.models import Member
    from omniretail.promotions.models import Promotion
    from omniretail.promotions.services import create_promotion

    from . import services
    from .models import Register, Shift, ShiftStatus

    brand, _ = Brand.objects.get_or_create(
        code="BENCH-POS", defaults={"name": "收银基准", "gs1_prefix": "2"}
    )
    region, _ = Region.objects.get_or_create(brand=brand, code="BPOS", defaults={"name": "基准"})
    store, _ = Store.objects.get_or_create(
        code="BENCHPOS",
        defaults={
            "brand": brand,
            "region": region,
            "name": "收银基准店",
            "store_type": "convenience",
            "city": "上海",
            "address": "基准路 1 号",
        },
    )
    floor, _ = Location.objects.get_or_create(
        code="BENCHPOS-FL",
        defaults={
            "brand": brand,
            "region": region,
            "store": store,
            "name": "基准卖场",
            "kind": LocationKind.STORE_FLOOR,
        },
    )
    category, created = Category.objects.get_or_create(
        brand=brand, code="BPOS", defaults={"name": "基准", "path": ""}
    )
    if created:
        category.path = f"{category.pk:06d}/"
        category.save(update_fields=["path"])
    skus = []
    for n, price in enumerate(PRICES):
        sku = Sku.objects.filter(code=f"BPOS-{n}").first()
        if sku is None:
            product = Product.objects.create(
                brand=brand, category=category, code=f"BPOS-P{n}", name=f"基准{n}", status="active"
            )
            sku = Sku.objects.create(
                product=product, code=f"BPOS-{n}", name=f"基准商品{n}", status="active"
            )
            pricing.set_price(sku, kind="list", amount=price)
            body = f"28800{n:07d}"
            check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
            Barcode.objects.create(sku=sku, code=f"{body}{check}", kind="internal", is_primary=True)
        skus.append(sku)
    for sku in skus:
        level = (
            StockLevel.objects.filter(sku=sku, location=floor)
            .values_list("on_hand", flat=True)
            .first()
        )
        if level is None or level < 100_000:
            inventory.receive(
                sku_id=sku.pk,
                location_id=floor.pk,
                quantity=1_000_000,
                unit_cost_fen=100,
                reference=f"bench-pos-{sku.pk}-{uuid.uuid4().hex[:8]}",
            )
    if not Promotion.objects.filter(brand=brand, code="BPOS10").exists():
        create_promotion(
            brand,
            code="BPOS10",
            name="基准九折",
            kind="percent_off",
            params={"percent": "10"},
            scope={"sku_ids": [skus[0].pk]},
            status="active",
            starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        )
    member = Member.objects.filter(brand=brand).first() or register_member(
        brand, "13900000001", store=store, name="基准会员", consents={}
    )
    register, _ = Register.objects.get_or_create(store=store, code="B1", defaults={"name": "基准"})
    shift = Shift.objects.filter(register=register, status=ShiftStatus.OPEN).first()
    if shift is None:
        shift = services.open_shift(register=register, cashier_id=None, opening_float="0")
    return {"skus": skus, "member": member, "shift": shift}


def _checkout(env: dict[str, Any], reference: str) -> Any:
    from omniretail.payments.services import TenderIn

    from . import services

    lines = [services.CheckoutLine(s.pk, 1 + i % 2) for i, s in enumerate(env["skus"])]
    ample = Decimal("200.00")  # cash: the service applies what is due, the rest is change
    return services.checkout(
        shift=env["shift"],
        lines=lines,
        tenders=[TenderIn("cash", ample, tendered=ample)],
        reference=reference,
        member_id=env["member"].pk,
    )


TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


class _Rollback(Exception):
    pass


def _captured_checkout(env: dict[str, Any], reference: str) -> tuple[float, list[Any]]:
    """One checkout inside a transaction that is rolled back; its statements and ORM time."""
    statements: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    start = time.perf_counter()
    try:
        with connection.execute_wrapper(capture), transaction.atomic():
            _checkout(env, reference)
            elapsed = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    keep = [
        (sql, params)
        for sql, params in statements
        if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]
    return elapsed * 1000, keep


def _replay(statements: list[tuple[str, Any]]) -> float:
    """The same statements through the bare DB-API cursor, in a transaction rolled back."""
    raw = connection.connection
    sqlite = connection.vendor == "sqlite"
    cursor = raw.cursor()
    start = time.perf_counter()
    cursor.execute("BEGIN")
    try:
        for sql, params in statements:
            if sqlite:
                sql = sql.replace("%s", "?").replace("%%", "%")
            cursor.execute(sql, tuple(params) if params is not None else ())
            if cursor.description is not None:
                cursor.fetchall()
    finally:
        cursor.execute("ROLLBACK")
    elapsed = time.perf_counter() - start
    cursor.close()
    return elapsed * 1000


@benchmark(
    "checkout", "Till checkout of a 5-line basket (promotion + member): p50/p99, ORM vs driver."
)
def checkout_bench(options: BenchOptions) -> dict[str, Any]:
    env = _setup()
    ops = 30 if options.quick else int(500 * options.scale)
    samples = 10 if options.quick else 50
    run = uuid.uuid4().hex[:8]
    for i in range(3):  # warm-up: caches, prepared statements
        _checkout(env, f"bench-{run}-w{i}")
    lat = Latencies()
    start = time.perf_counter()
    for i in range(ops):
        with lat.measure():
            _checkout(env, f"bench-{run}-{i}")
    seconds = time.perf_counter() - start
    connection.ensure_connection()
    orm_ms, raw_ms, statement_counts = [], [], []
    for i in range(samples):
        orm, statements = _captured_checkout(env, f"bench-{run}-r{i}")
        orm_ms.append(orm)
        raw_ms.append(_replay(statements))
        statement_counts.append(len(statements))
    orm_median, raw_median = statistics.median(orm_ms), statistics.median(raw_ms)
    return {
        "ops": ops,
        "lines": LINES,
        "seconds": round(seconds, 3),
        "checkouts_per_s": round(ops / seconds, 1) if seconds else 0.0,
        "throughput_per_s": round(ops / seconds, 1) if seconds else 0.0,
        **lat.summary(),
        "statements_per_checkout": int(statistics.median(statement_counts)),
        "orm_rolled_back_p50_ms": round(orm_median, 3),
        "raw_driver_p50_ms": round(raw_median, 3),
        "orm_to_raw_ratio": round(orm_median / raw_median, 2) if raw_median else None,
    }


from . import open_bench  # noqa: E402,F401  (registers pos-open)
