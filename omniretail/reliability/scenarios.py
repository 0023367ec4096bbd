"""Reliability scenarios shared by the benchmarks (``bench.py``) and the serial tests.

Flash sale: N buyers race over real HTTP (gunicorn workers) for ``units`` units of one SKU,
each placing an online pickup order with its own reference, then the accepted ones pay.
The verdict is read back from the database: no oversell, no leaked reservation, invariants
clean. Only the loopback server this process started is ever targeted.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from omniretail.core.benchmarking import percentile
from omniretail.core.loadtest import LOOPBACK, free_port

INSUFFICIENT_STOCK = "inventory.insufficient_stock"


@dataclass
class Sale:
    """What a scenario needs: a store, its floor, one SKU with stock, and a bearer token."""

    tag: str
    store_id: int
    location_id: int
    sku_id: int
    token: str
    units: int


def create_sale(units: int, *, tag: str | None = None) -> Sale:
    """A fresh brand, store, floor, SKU (barcode, list price) with ``units`` received, and a
    store manager's API token. Self-contained: works on an empty migrated database."""
    from omniretail.accounts.models import RoleAssignment, User
    from omniretail.accounts.permissions import Role
    from omniretail.accounts.services import issue_token
    from omniretail.catalog import pricing
    from omniretail.catalog.models import Barcode, Category, Product, Sku
    from omniretail.core.models import Brand, Location, LocationKind, Region, Store
    from omniretail.inventory import services as inventory

    tag = (tag or secrets.token_hex(4)).upper()
    brand = Brand.objects.create(code=f"R{tag}", name=f"压测连锁{tag}", gs1_prefix="2")
    region = Region.objects.create(brand=brand, code="EAST", name="华东")
    store = Store.objects.create(
        brand=brand,
        region=region,
        code=f"FS{tag}",
        name=f"秒杀门店{tag}",
        store_type="convenience",
        city="上海",
        address="某路1号",
        latitude=31.23,
        longitude=121.47,
        opens_at=dt.time(0),
        closes_at=dt.time(23, 59),
    )
    floor = Location.objects.create(
        brand=brand,
        region=region,
        store=store,
        code=f"FS{tag}-FL",
        name="卖场",
        kind=LocationKind.STORE_FLOOR,
        latitude=31.23,
        longitude=121.47,
        fulfils_online=True,
    )
    root = Category.objects.create(brand=brand, code="ROOT", name="全部", path="")
    root.path = f"{root.pk:06d}/"
    root.save(update_fields=["path"])
    category = Category.objects.create(
        brand=brand, parent=root, code="FLASH", name="秒杀", path="", depth=1
    )
    category.path = f"{root.path}{category.pk:06d}/"
    category.save(update_fields=["path"])
    product = Product.objects.create(
        brand=brand, category=category, code=f"P-{tag}", name="飞天茅台", status="active"
    )
    sku = Sku.objects.create(
        product=product, code=f"FLASH-{tag}", name="飞天茅台 500ml", status="active"
    )
    body = f"2{sku.pk:011d}"
    odd_even = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    Barcode.objects.create(
        sku=sku, code=body + str((10 - odd_even % 10) % 10), kind="internal", is_primary=True
    )
    pricing.set_price(sku, kind="list", amount="1499")
    inventory.receive(
        sku_id=sku.pk,
        location_id=floor.pk,
        quantity=units,
        unit_cost_fen=100_000,
        reference=f"rcv-flash-{tag}",
    )
    user = User.objects.create_user(username=f"flash-{tag.lower()}", password=secrets.token_hex(8))
    RoleAssignment.objects.create(user=user, role=Role.STORE_MANAGER, brand=brand, store=store)
    _token, raw = issue_token(user, name=f"reliability {tag}")
    return Sale(tag, store.pk, floor.pk, sku.pk, raw, units)


@dataclass
class Outcome:
    status: int | None
    code: str = ""
    order_id: int | None = None
    number: str = ""
    total: str = ""
    state: str = ""
    latency_ms: float = 0.0


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0


def order_body(sale: Sale, ref: str) -> dict[str, Any]:
    return {
        "store_id": sale.store_id,
        "channel": "online",
        "fulfilment_mode": "pickup",
        "reference": ref,
        "lines": [{"sku_id": sale.sku_id, "quantity": 1}],
    }


def payment_body(order: Outcome) -> dict[str, Any]:
    code = f"13{order.order_id or 0:014d}"[-16:]
    if code.endswith(("0000", "9999")):  # sandbox: declined / customer still paying
        code = code[:-1] + "1"
    return {
        "reference": f"pay-{order.number}",
        "tenders": [{"kind": "wechat", "amount": order.total, "auth_code": code}],
    }


async def _race(
    base: str, token: str, requests: list[tuple[str, dict[str, Any] | None]], concurrency: int
) -> Run:
    """POST every request once (bounded count), ``concurrency`` at a time; keep each answer."""
    run = Run(outcomes=[Outcome(None) for _ in requests])
    queue = list(range(len(requests)))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=60, limits=limits
    ) as client:

        async def worker() -> None:
            while queue:
                i = queue.pop(0)
                path, body = requests[i]
                start = time.perf_counter()
                out = run.outcomes[i]
                try:
                    response = await client.post(path, json=body)
                    out.status = response.status_code
                    data = response.json() if response.content else {}
                    if isinstance(data, dict):
                        out.code = str(data.get("code") or "")
                        out.order_id = data.get("id")
                        out.number = str(data.get("number") or "")
                        out.total = str(data.get("total") or "")
                        out.state = str(data.get("status") or "")
                except (httpx.HTTPError, ValueError) as exc:
                    out.code = type(exc).__name__
                out.latency_ms = (time.perf_counter() - start) * 1000

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        run.seconds = time.perf_counter() - start
    return run


def race(
    base: str, token: str, requests: list[tuple[str, dict[str, Any] | None]], concurrency: int
) -> Run:
    if not base.startswith(f"http://{LOOPBACK}:"):
        raise ValueError("load is only ever sent to the loopback server this process started")
    return asyncio.run(_race(base, token, requests, concurrency))


def stock_check(sale: Sale, prefix: str) -> dict[str, Any]:
    """Read back the outcome of a sale from the database."""
    from omniretail.core.integrity import check_all
    from omniretail.inventory.models import Reservation, ReservationStatus, StockLevel
    from omniretail.orders.models import Order

    level = StockLevel.objects.get(sku_id=sale.sku_id, location_id=sale.location_id)
    orders = list(Order.objects.filter(reference__startswith=prefix, store_id=sale.store_id))
    numbers = {o.number for o in orders}
    held = [
        r
        for r in Reservation.objects.filter(sku_id=sale.sku_id, location_id=sale.location_id)
        if r.status in (ReservationStatus.ACTIVE, ReservationStatus.FULFILLED)
    ]
    leaked = [r.reference for r in held if r.reference.rsplit(":", 1)[0] not in numbers]
    reserved_units = sum(r.quantity for r in held)
    breaches = {name: lines for name, lines in check_all().items() if lines}
    return {
        "orders_in_db": len(orders),
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "oversold": max(0, -level.on_hand)
        + max(0, level.reserved - level.on_hand)
        + max(0, reserved_units - sale.units),
        "held_reservations": len(held),
        "leaked_reservations": len(leaked),
        "orders_without_reservation": len(numbers - {r.reference.rsplit(":", 1)[0] for r in held}),
        "invariant_breaches": breaches,
    }


def flash_sale(base: str, sale: Sale, *, buyers: int, concurrency: int) -> dict[str, Any]:
    """Every buyer places one order for one unit; the accepted ones then pay. Figures of the
    order race plus the database verdict."""
    from omniretail.orders.models import Order

    prefix = f"flash-{sale.tag.lower()}-"
    orders = race(
        base,
        sale.token,
        [("/api/v1/orders/", order_body(sale, f"{prefix}{i}")) for i in range(buyers)],
        concurrency,
    )
    accepted = [o for o in orders.outcomes if o.status == 200 and o.order_id]
    refused = [o for o in orders.outcomes if o.status is not None and 400 <= o.status < 500]
    server_errors = [o for o in orders.outcomes if o.status is None or o.status >= 500]
    # Each accepted buyer pays with a WeChat payment code (the offline signed sandbox gateway).
    paid_run = race(
        base,
        sale.token,
        [(f"/api/v1/payments/orders/{o.order_id}/pay", payment_body(o)) for o in accepted],
        max(1, min(concurrency, len(accepted))),
    )
    paid = sum(1 for o in paid_run.outcomes if o.status == 200 and o.state == "paid")
    lat = [o.latency_ms for o in orders.outcomes]
    codes: dict[str, int] = {}
    for o in refused:
        codes[o.code] = codes.get(o.code, 0) + 1
    verdict = stock_check(sale, prefix)
    return {
        "buyers": buyers,
        "units": sale.units,
        "concurrency": concurrency,
        "accepted": len(accepted),
        "paid": paid,
        "payment_path": "POST /api/v1/payments/orders/{id}/pay (wechat, sandbox gateway)",
        "orders_paid_in_db": Order.objects.filter(
            reference__startswith=prefix, store_id=sale.store_id, status="paid"
        ).count(),
        "refused": len(refused),
        "refused_codes": dict(sorted(codes.items())),
        "server_errors": len(server_errors),
        "pay_errors": len(paid_run.outcomes) - paid,
        "ops": buyers,
        "seconds": round(orders.seconds, 3),
        "throughput_per_s": round(buyers / orders.seconds, 1) if orders.seconds else 0.0,
        "p50_ms": round(percentile(lat, 50), 2),
        "p95_ms": round(percentile(lat, 95), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        **verdict,
    }


# --- Crash safety ---------------------------------------------------------------------------


class Server:
    """``omniretail serve`` as a process group this scenario may SIGKILL (``running_server``
    hides its process; a crash test needs it)."""

    def __init__(self, workers: int = 2, env: dict[str, str] | None = None) -> None:
        self.workers = workers
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self, ready_timeout: float = 60) -> str:
        port = free_port()
        cmd = [sys.executable, "-m", "omniretail.cli", "serve", "--no-worker"]
        cmd += ["--host", LOOPBACK, "--port", str(port), "--workers", str(self.workers)]
        self.proc = subprocess.Popen(  # noqa: S603
            cmd,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://{LOOPBACK}:{port}"
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early with code {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self.base
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("server did not become healthy in time")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole group (master and workers): no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()


@dataclass
class Placement:
    """What a client saw of one order request."""

    reference: str
    status: int | None = None
    number: str = ""
    error: str = ""


class OrderStream(threading.Thread):
    """Places orders one after another (bounded: ``limit`` requests and ``max_seconds``);
    stops by itself after ``stop_after_errors`` consecutive transport errors (server gone)."""

    def __init__(
        self,
        base: str,
        sale: Sale,
        prefix: str,
        *,
        limit: int = 400,
        max_seconds: float = 120,
        stop_after_errors: int = 3,
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.sale, self.prefix = base, sale, prefix
        self.limit, self.max_seconds, self.stop_after_errors = limit, max_seconds, stop_after_errors
        self.placements: list[Placement] = []
        self.acked = threading.Event()
        self.ack_target = 1

    def run(self) -> None:
        if not self.base.startswith(f"http://{LOOPBACK}:"):
            raise ValueError("only the loopback server this process started")
        deadline = time.monotonic() + self.max_seconds
        errors = 0
        headers = {"Authorization": f"Bearer {self.sale.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=10) as client:
            for i in range(self.limit):
                if time.monotonic() > deadline or errors >= self.stop_after_errors:
                    break
                p = Placement(f"{self.prefix}{i}")
                self.placements.append(p)
                try:
                    r = client.post("/api/v1/orders/", json=order_body(self.sale, p.reference))
                    p.status = r.status_code
                    if r.status_code == 200:
                        p.number = str(r.json().get("number") or "")
                    errors = 0
                except (httpx.HTTPError, ValueError) as exc:
                    p.error = type(exc).__name__
                    errors += 1
                if sum(1 for x in self.placements if x.number) >= self.ack_target:
                    self.acked.set()
        self.acked.set()

    @property
    def acknowledged(self) -> list[Placement]:
        return [p for p in self.placements if p.status == 200 and p.number]

    @property
    def in_doubt(self) -> list[Placement]:
        return [p for p in self.placements if p.status is None]


def order_soundness(sale: Sale, numbers: set[str]) -> dict[str, Any]:
    """Orders of the sale's store read back: acknowledged ones present and whole, none
    half-written, every reservation owned by an order, invariants clean."""
    from django.db.models import Count, Sum

    from omniretail.core.integrity import check_all
    from omniretail.inventory.models import Reservation, ReservationStatus
    from omniretail.orders.models import Order

    rows = list(
        Order.objects.filter(store_id=sale.store_id).annotate(
            n=Count("lines"), nets=Sum("lines__net")
        )
    )
    by_number = {o.number: o for o in rows}
    active = set(
        Reservation.objects.filter(
            sku_id=sale.sku_id, location_id=sale.location_id, status=ReservationStatus.ACTIVE
        ).values_list("reference", flat=True)
    )
    all_refs = set(
        Reservation.objects.filter(sku_id=sale.sku_id, location_id=sale.location_id).values_list(
            "reference", flat=True
        )
    )
    return {
        "orders": len(rows),
        "acknowledged_missing": sorted(numbers - set(by_number)),
        "acknowledged_without_active_reservation": sorted(
            n for n in numbers if n in by_number and f"{n}:1" not in active
        ),
        "orders_without_lines": sorted(o.number for o in rows if not o.n),
        "orders_total_mismatch": sorted(o.number for o in rows if o.n and o.total != o.nets),
        "orphan_reservations": sorted(r for r in all_refs if r.rsplit(":", 1)[0] not in by_number),
        "active_reservations": len(active),
        "invariant_breaches": {k: v for k, v in check_all().items() if v},
    }


def reservations_left(sale: Sale) -> dict[str, int]:
    from omniretail.inventory.models import Reservation, ReservationStatus, StockLevel

    level = StockLevel.objects.get(sku_id=sale.sku_id, location_id=sale.location_id)
    active = Reservation.objects.filter(
        sku_id=sale.sku_id, location_id=sale.location_id, status=ReservationStatus.ACTIVE
    ).count()
    return {"active_reservations": active, "reserved": level.reserved, "on_hand": level.on_hand}
