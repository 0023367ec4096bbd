"""Load over the real server: POS checkouts, online orders and a mixed day.

Each scenario creates its own data (``create_till``: a brand, a store and its floor, a few
priced SKUs with ample stock, a member, ``registers`` tills each with its own cashier and
bearer token, plus a store manager's token), so it runs on any migrated database — an empty
one, the demo seed or the large seed — and never touches other data. The clients are asyncio
tasks over httpx (bounded in request count and time, loopback only); every scenario reads its
verdict back from the database afterwards: the orders the clients saw acknowledged exist and
are paid, payments captured match the order totals, stock issued or held matches the lines,
and every registered invariant (``check_all()``) holds.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from omniretail.core.benchmarking import percentile
from omniretail.core.loadtest import LOOPBACK

from .scenarios import create_sale

PAID_STATES = frozenset({"paid", "completed", "refunded", "partially_refunded"})
PRICES = ("12.50", "8.80", "35.00", "4.20", "19.90", "66.00")
STOCK = 1_000_000
# gunicorn closes a keep-alive connection idle for 2 s (its default); a client reusing one
# just then gets no answer (RemoteProtocolError). Browsers retry that transparently; these
# clients instead drop idle connections sooner, so every transport error left is real.
KEEPALIVE_S = 1.0


@dataclass
class Till:
    """A store with SKUs in stock, a member, registers (one cashier token each) and a manager."""

    tag: str
    store_id: int
    location_id: int
    sku_ids: list[int]
    prices: dict[int, Decimal]
    member_id: int
    manager_token: str
    registers: list[tuple[int, str]]  # (register id, cashier token)
    product_ids: list[int] = field(default_factory=list)


def create_till(registers: int, *, tag: str | None = None) -> Till:
    from omniretail.accounts.models import RoleAssignment, User
    from omniretail.accounts.permissions import Role
    from omniretail.accounts.services import issue_token
    from omniretail.catalog import pricing
    from omniretail.catalog.models import Barcode, Product, Sku
    from omniretail.core.models import Store
    from omniretail.inventory import services as inventory
    from omniretail.members.identity import register_member
    from omniretail.pos.models import Register

    sale = create_sale(STOCK, tag=tag)
    store = Store.objects.select_related("brand").get(pk=sale.store_id)
    anchor = Product.objects.get(skus__pk=sale.sku_id)
    sku_ids: list[int] = []
    prices: dict[int, Decimal] = {}
    product_ids: list[int] = []
    for n, price in enumerate(PRICES):
        product = Product.objects.create(
            brand=store.brand,
            category_id=anchor.category_id,
            code=f"P-{sale.tag}-{n}",
            name=f"压测商品{n}",
            status="active",
        )
        sku = Sku.objects.create(
            product=product, code=f"LOAD-{sale.tag}-{n}", name=f"压测商品{n} 规格", status="active"
        )
        body = f"2{sku.pk:011d}"
        odd_even = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
        Barcode.objects.create(
            sku=sku, code=body + str((10 - odd_even % 10) % 10), kind="internal", is_primary=True
        )
        pricing.set_price(sku, kind="list", amount=price)
        inventory.receive(
            sku_id=sku.pk,
            location_id=sale.location_id,
            quantity=STOCK,
            unit_cost_fen=100,
            reference=f"rcv-load-{sale.tag}-{n}",
        )
        sku_ids.append(sku.pk)
        prices[sku.pk] = Decimal(price)
        product_ids.append(product.pk)
    digits = f"{int(sale.tag, 16) % 10**8:08d}"
    member = register_member(store.brand, f"139{digits}", store=store, name="压测会员", consents={})
    tills: list[tuple[int, str]] = []
    for k in range(registers):
        register = Register.objects.create(store=store, code=f"L{k + 1}", name=f"压测收银台{k + 1}")
        cashier = User.objects.create_user(
            username=f"load-{sale.tag.lower()}-c{k + 1}", password=secrets.token_hex(8)
        )
        RoleAssignment.objects.create(
            user=cashier, role=Role.CASHIER, brand=store.brand, store=store
        )
        _token, raw = issue_token(cashier, name=f"till {register.code}")
        tills.append((register.pk, raw))
    return Till(
        sale.tag,
        sale.store_id,
        sale.location_id,
        sku_ids,
        prices,
        member.pk,
        sale.token,
        tills,
        product_ids,
    )


# --- Client side ---------------------------------------------------------------------------


@dataclass
class Tally:
    """Per-kind latencies and answers as the clients saw them."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    answers: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, kind: str, ms: float, answer: str) -> None:
        self.latencies.setdefault(kind, []).append(ms)
        row = self.answers.setdefault(kind, {})
        row[answer] = row.get(answer, 0) + 1

    def kinds(self) -> dict[str, Any]:
        out = {}
        for kind in sorted(self.latencies):
            lat = self.latencies[kind]
            answers = self.answers[kind]
            out[kind] = {
                "ops": len(lat),
                "errors": sum(n for a, n in answers.items() if not a.startswith("2")),
                "p50_ms": round(percentile(lat, 50), 1),
                "p95_ms": round(percentile(lat, 95), 1),
                "p99_ms": round(percentile(lat, 99), 1),
                "answers": dict(sorted(answers.items())),
            }
        return out

    def totals(self) -> dict[str, Any]:
        lat = [x for v in self.latencies.values() for x in v]
        errors: dict[str, int] = {}
        for answers in self.answers.values():
            for a, n in answers.items():
                if not a.startswith("2"):
                    errors[a] = errors.get(a, 0) + n
        return {
            "ops": len(lat),
            "seconds": round(self.seconds, 2),
            "throughput_per_s": round(len(lat) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "errors": sum(errors.values()),
            "errors_by_answer": dict(sorted(errors.items())),
            "server_errors": sum(
                n for a, n in errors.items() if a[:1] == "5" or not a[:1].isdigit()
            ),
        }


class Client:
    """One client (a till, a shopper, a manager's browser): its own connection and token."""

    def __init__(self, http: httpx.AsyncClient, token: str | None, tally: Tally) -> None:
        self.http, self.tally = http, tally
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def call(
        self, kind: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int | None, Any]:
        start = time.perf_counter()
        status: int | None = None
        data: Any = None
        try:
            r = await self.http.request(method, path, json=body, headers=self.headers)
            status = r.status_code
            if "json" in r.headers.get("content-type", ""):
                data = r.json()
            answer = str(status)
            if status >= 400 and isinstance(data, dict) and data.get("code"):
                answer = f"{status} {data['code']}"
        except (httpx.HTTPError, ValueError) as exc:
            answer = type(exc).__name__
        self.tally.add(kind, (time.perf_counter() - start) * 1000, answer)
        return status, data


def _check_base(base: str) -> None:
    if not base.startswith(f"http://{LOOPBACK}:"):
        raise ValueError("load is only ever sent to the loopback server this process started")


async def _run(
    base: str, jobs: list[Callable[[httpx.AsyncClient, Tally], Awaitable[None]]], connections: int
) -> Tally:
    tally = Tally()
    limits = httpx.Limits(
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=KEEPALIVE_S,
    )
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(job(http, tally) for job in jobs))
        tally.seconds = time.perf_counter() - start
    return tally


def pay_code(n: int) -> str:
    """A WeChat payment code the sandbox gateway approves (…0000 declines, …9999 waits)."""
    code = f"13{n:014d}"[-16:]
    return code[:-1] + "1" if code.endswith(("0000", "9999")) else code


def _basket(till: Till, i: int) -> list[dict[str, int]]:
    n = 2 + i % 3
    start = i % len(till.sku_ids)
    picked = [till.sku_ids[(start + k) % len(till.sku_ids)] for k in range(n)]
    return [{"sku_id": s, "quantity": 1 + (i + k) % 2} for k, s in enumerate(picked)]


def _due(till: Till, lines: list[dict[str, int]]) -> Decimal:
    return sum((till.prices[ln["sku_id"]] * ln["quantity"] for ln in lines), Decimal("0"))


@dataclass
class Seen:
    """What the clients saw acknowledged, for the database verdict."""

    receipts: list[str] = field(default_factory=list)  # POS order numbers (200)
    orders: dict[int, str] = field(default_factory=dict)  # online order id -> total
    paid: set[int] = field(default_factory=set)  # online order ids answered "paid"
    payments: list[tuple[int, str]] = field(default_factory=list)  # (payment id, amount)
    refunds: list[int] = field(default_factory=list)  # refunded payment ids (200)


async def open_shifts(client_for: Callable[[str], Client], till: Till) -> dict[int, int]:
    """Each cashier opens the shift on their register, as the POS does at the start of a day."""
    shifts = {}
    for register_id, token in till.registers:
        status, data = await client_for(token).call(
            "open_shift",
            "POST",
            f"/api/v1/pos/registers/{register_id}/shifts",
            {"opening_float": "200.00"},
        )
        if status != 200:
            raise RuntimeError(f"opening a shift failed: {status} {data}")
        shifts[register_id] = int(data["id"])
    return shifts


async def pos_sale(
    client: Client, till: Till, register_id: int, shift_id: int, ref: str, i: int, seen: Seen
) -> None:
    lines = _basket(till, i)
    due = _due(till, lines)
    if i % 2:
        tender = {"kind": "wechat", "amount": str(due), "auth_code": pay_code(i * 7919 + 1)}
    else:
        cash = (due // 50 + 1) * 50
        tender = {"kind": "cash", "amount": str(cash), "tendered": str(cash)}
    body = {
        "store_id": till.store_id,
        "register_id": register_id,
        "shift_id": shift_id,
        "lines": lines,
        "member_id": till.member_id if i % 3 else None,
        "tenders": [tender],
        "reference": ref,
    }
    status, data = await client.call("pos_checkout", "POST", "/api/v1/pos/checkout", body)
    if status == 200:
        seen.receipts.append(str(data["order_number"]))


async def online_order(client: Client, till: Till, ref: str, i: int, seen: Seen) -> None:
    body = {
        "store_id": till.store_id,
        "channel": "online",
        "fulfilment_mode": "pickup",
        "reference": ref,
        "member_id": till.member_id if i % 2 else None,
        "lines": _basket(till, i),
    }
    status, data = await client.call("order_place", "POST", "/api/v1/orders/", body)
    if status != 200:
        return
    order_id, total = int(data["id"]), str(data["total"])
    seen.orders[order_id] = total
    pay = {
        "reference": f"pay-{ref}",
        "tenders": [{"kind": "wechat", "amount": total, "auth_code": pay_code(order_id)}],
    }
    status, data = await client.call(
        "order_pay", "POST", f"/api/v1/payments/orders/{order_id}/pay", pay
    )
    if status == 200 and data.get("status") == "paid":
        seen.paid.add(order_id)
        seen.payments += [(int(p), total) for p in data.get("payment_ids") or []]


# --- http-checkout -------------------------------------------------------------------------


def checkout_load(
    base: str, till: Till, *, per_register: int, max_seconds: float = 300
) -> dict[str, Any]:
    """Every register's cashier opens a shift, then rings up ``per_register`` sales one after
    another (a till is serial), all registers at once."""
    _check_base(base)
    seen = Seen()
    prefix = f"co-{till.tag.lower()}"
    state: dict[str, Any] = {}
    deadline = time.monotonic() + max_seconds

    def tills() -> list[Callable[[httpx.AsyncClient, Tally], Awaitable[None]]]:
        def job(k: int, register_id: int, token: str) -> Any:
            async def run(http: httpx.AsyncClient, tally: Tally) -> None:
                client = Client(http, token, tally)
                shift_id = state["shifts"][register_id]
                for n in range(per_register):
                    if time.monotonic() > deadline:
                        break
                    i = k * per_register + n
                    await pos_sale(
                        client, till, register_id, shift_id, f"{prefix}-{k}-{n}", i, seen
                    )

            return run

        return [job(k, r, t) for k, (r, t) in enumerate(till.registers)]

    async def main() -> Tally:
        limits = httpx.Limits(max_connections=len(till.registers))
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            state["shifts"] = await open_shifts(lambda t: Client(http, t, Tally()), till)
        return await _run(base, tills(), len(till.registers))

    tally = asyncio.run(main())
    verdict = checkout_verdict(till, seen)
    return {
        "registers": len(till.registers),
        "per_register": per_register,
        **tally.totals(),
        "by_kind": tally.kinds(),
        **verdict,
    }


def checkout_verdict(till: Till, seen: Seen) -> dict[str, Any]:
    """Till orders read back: paid orders = receipts = captured payments = stock issued."""
    from django.db.models import Sum

    from omniretail.core.integrity import check_all
    from omniretail.inventory.models import Movement, MovementKind
    from omniretail.orders.models import Order, OrderLine
    from omniretail.payments.models import CAPTURED_STATUSES, Payment
    from omniretail.pos.models import PosSale

    orders = Order.objects.filter(store_id=till.store_id, channel="pos")
    by_status: dict[str, int] = {}
    for status in orders.values_list("status", flat=True):
        by_status[status] = by_status.get(status, 0) + 1
    sold = orders.exclude(status="cancelled")
    sold_numbers = set(sold.values_list("number", flat=True))
    totals = {o.pk: o.total for o in sold.only("pk", "total")}
    captured: dict[int, Decimal] = {}
    for order_id, amount in Payment.objects.filter(
        order_id__in=list(totals), status__in=CAPTURED_STATUSES
    ).values_list("order_id", "amount"):  # cash: the amount applied; change is apart
        captured[order_id] = captured.get(order_id, Decimal("0")) + amount
    units_sold = OrderLine.objects.filter(order__in=sold).aggregate(n=Sum("quantity"))["n"] or 0
    issued = -(
        Movement.objects.filter(
            location_id=till.location_id, sku_id__in=till.sku_ids, kind=MovementKind.SALE
        ).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    return {
        "acknowledged": len(seen.receipts),
        "orders_by_status": dict(sorted(by_status.items())),
        "orders_paid": len(sold_numbers),
        "receipts_in_db": PosSale.objects.filter(order__in=sold).count(),
        "acknowledged_missing": len(set(seen.receipts) - sold_numbers),
        "paid_not_acknowledged": len(sold_numbers - set(seen.receipts)),
        "orders_payment_mismatch": sum(
            1 for pk, total in totals.items() if captured.get(pk, Decimal("0")) != total
        ),
        "units_sold": units_sold,
        "units_issued": issued,
        "invariant_breaches": {k: v for k, v in check_all().items() if v},
    }


# --- http-order ----------------------------------------------------------------------------


def order_load(
    base: str, till: Till, *, orders: int, concurrency: int, max_seconds: float = 300
) -> dict[str, Any]:
    """``concurrency`` shoppers place online pickup orders (several lines, a member on half)
    and pay each through the payments API (WeChat, sandbox gateway), ``orders`` in all."""
    _check_base(base)
    seen = Seen()
    prefix = f"ol-{till.tag.lower()}"
    counter = iter(range(orders))
    deadline = time.monotonic() + max_seconds

    async def shopper(http: httpx.AsyncClient, tally: Tally) -> None:
        client = Client(http, till.manager_token, tally)
        for i in counter:
            if time.monotonic() > deadline:
                break
            await online_order(client, till, f"{prefix}-{i}", i, seen)

    tally = asyncio.run(_run(base, [shopper] * concurrency, concurrency))
    return {
        "orders": orders,
        "concurrency": concurrency,
        **tally.totals(),
        "by_kind": tally.kinds(),
        **order_verdict(till, seen),
    }


def order_verdict(till: Till, seen: Seen) -> dict[str, Any]:
    """Online orders read back: acknowledged ones exist, paid ones are paid in full, every
    paid order holds its reservations (pickup: stock stays reserved until handed over)."""
    from django.db.models import Sum

    from omniretail.core.integrity import check_all
    from omniretail.inventory.models import Reservation, ReservationStatus
    from omniretail.orders.models import Order
    from omniretail.payments.models import CAPTURED_STATUSES, Payment

    orders = {o.pk: o for o in Order.objects.filter(store_id=till.store_id).exclude(channel="pos")}
    by_status: dict[str, int] = {}
    for o in orders.values():
        by_status[o.status] = by_status.get(o.status, 0) + 1
    captured: dict[int, Decimal] = {}
    for order_id, amount in Payment.objects.filter(
        order_id__in=list(orders), status__in=CAPTURED_STATUSES
    ).values_list("order_id", "amount"):
        captured[order_id] = captured.get(order_id, Decimal("0")) + amount
    paid_in_db = {pk for pk, o in orders.items() if o.status in PAID_STATES}
    numbers = {o.number: pk for pk, o in orders.items()}
    held: dict[str, int] = {}
    for ref, qty in Reservation.objects.filter(
        location_id=till.location_id, sku_id__in=till.sku_ids, status=ReservationStatus.ACTIVE
    ).values_list("reference", "quantity"):
        number = ref.rsplit(":", 1)[0]
        held[number] = held.get(number, 0) + qty
    from omniretail.orders.models import OrderLine

    wanted = dict(
        OrderLine.objects.filter(order_id__in=list(orders))
        .exclude(order__status__in=("cancelled", "refunded"))  # closed: hold nothing
        .values_list("order__number")
        .annotate(n=Sum("quantity"))
    )
    return {
        "acknowledged": len(seen.orders),
        "acknowledged_paid": len(seen.paid),
        "orders_by_status": dict(sorted(by_status.items())),
        "acknowledged_missing": len(set(seen.orders) - set(orders)),
        "paid_not_paid_in_db": len(seen.paid - paid_in_db),
        "orders_payment_mismatch": sum(
            1 for pk in paid_in_db if captured.get(pk, Decimal("0")) != orders[pk].total
        ),
        "refunded_orders_holding_stock": sum(
            1 for o in orders.values() if o.status == "refunded" and held.get(o.number)
        ),
        "captured_without_paid_order": sum(
            1 for pk in captured if orders[pk].status not in PAID_STATES
        ),
        "reservations_not_matching_lines": sum(
            1 for number, n in wanted.items() if held.get(number, 0) != n
        ),
        "orphan_reservations": sum(1 for number in held if number not in numbers),
        "invariant_breaches": {k: v for k, v in check_all().items() if v},
    }


# --- mixed-day -----------------------------------------------------------------------------

MIX = (  # kind, weight (per 100 actions)
    ("browse", 50),
    ("pos", 20),
    ("online", 15),
    ("refund", 5),
    ("dashboard", 10),
)


def mixed_day(
    base: str, till: Till, *, actions: int, concurrency: int, max_seconds: float = 300
) -> dict[str, Any]:
    """A weighted mix over the real server: browsing (catalog search, SKU and product API,
    storefront pages), POS sales on every register, online orders paid, refunds of paid
    online orders through the payments API, and dashboard views (analytics API)."""
    _check_base(base)
    seen = Seen()
    prefix = f"md-{till.tag.lower()}"
    schedule = [kind for kind, weight in MIX for _ in range(weight)]
    counter = iter(range(actions))
    deadline = time.monotonic() + max_seconds
    state: dict[str, Any] = {}
    free_tills: asyncio.Queue[tuple[int, str]] | None = None

    async def browse(client: Client, anon: Client, i: int) -> None:
        step = i % 5
        if step == 0:
            await client.call("browse", "GET", "/api/v1/catalog/skus?q=压测&limit=20")
        elif step == 1:
            await client.call("browse", "GET", f"/api/v1/catalog/skus/{till.sku_ids[i % 6]}")
        elif step == 2:
            pid = till.product_ids[i % len(till.product_ids)]
            await client.call("browse", "GET", f"/api/v1/catalog/products/{pid}")
        elif step == 3:
            await anon.call("browse_page", "GET", "/shop/?q=压测")
        else:
            await anon.call("browse_page", "GET", "/shop/stores/")

    async def dashboard(client: Client, i: int) -> None:
        if i % 2:
            await client.call(
                "dashboard", "GET", f"/api/v1/analytics/kpis?store_id={till.store_id}"
            )
        else:
            await client.call("dashboard", "GET", "/api/v1/analytics/alerts?limit=20")

    async def refund(client: Client, i: int) -> None:
        if not seen.payments:
            await online_order(client, till, f"{prefix}-r{i}", i, seen)
            return
        payment_id, amount = seen.payments.pop(0)
        status, _data = await client.call(
            "refund",
            "POST",
            f"/api/v1/payments/{payment_id}/refunds",
            {"amount": amount, "reason": "顾客退货", "reference": f"{prefix}-rf{i}"},
        )
        if status == 200:
            seen.refunds.append(payment_id)

    async def actor(http: httpx.AsyncClient, tally: Tally) -> None:
        assert free_tills is not None
        manager = Client(http, till.manager_token, tally)
        anon = Client(state["shop"], None, tally)
        for i in counter:
            if time.monotonic() > deadline:
                break
            kind = schedule[(i * 37) % len(schedule)]
            if kind == "browse":
                await browse(manager, anon, i)
            elif kind == "pos":
                register_id, token = await free_tills.get()  # a till serves one sale at a time
                try:
                    shift_id = state["shifts"][register_id]
                    await pos_sale(
                        Client(http, token, tally),
                        till,
                        register_id,
                        shift_id,
                        f"{prefix}-p{i}",
                        i,
                        seen,
                    )
                finally:
                    free_tills.put_nowait((register_id, token))
            elif kind == "online":
                await online_order(manager, till, f"{prefix}-o{i}", i, seen)
            elif kind == "refund":
                await refund(manager, i)
            else:
                await dashboard(manager, i)

    async def main() -> Tally:
        nonlocal free_tills
        free_tills = asyncio.Queue()
        for t in till.registers:
            free_tills.put_nowait(t)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            state["shifts"] = await open_shifts(lambda t: Client(http, t, Tally()), till)
        # The storefront's shoppers share one session (cookie jar) that chose the store.
        limits = httpx.Limits(keepalive_expiry=KEEPALIVE_S)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as shop:
            await choose_store(shop, till)
            state["shop"] = shop
            return await _run(base, [actor] * concurrency, concurrency)

    tally = asyncio.run(main())
    pos = checkout_verdict(till, seen)
    online = order_verdict(till, seen)
    refunded = refund_verdict(seen)
    return {
        "actions": actions,
        "concurrency": concurrency,
        "mix_percent": dict(MIX),
        **tally.totals(),
        "by_kind": tally.kinds(),
        "pos": {k: v for k, v in pos.items() if k != "invariant_breaches"},
        "online": {k: v for k, v in online.items() if k != "invariant_breaches"},
        "refunds": refunded,
        "invariant_breaches": pos["invariant_breaches"],
    }


async def choose_store(shop: httpx.AsyncClient, till: Till) -> None:
    """A storefront session: the stores page (CSRF cookie), then choose the till's store."""
    await shop.get("/shop/stores/")
    token = shop.cookies.get("csrftoken") or ""
    r = await shop.post(
        "/shop/stores/choose/", data={"csrfmiddlewaretoken": token, "store": str(till.store_id)}
    )
    if r.status_code != 302 or not r.headers.get("location", "").rstrip("/").endswith("/shop"):
        raise RuntimeError(f"choosing the store failed: {r.status_code} {r.headers}")


def refund_verdict(seen: Seen) -> dict[str, Any]:
    from omniretail.payments.models import Payment

    rows = Payment.objects.filter(pk__in=seen.refunds)
    return {
        "acknowledged": len(seen.refunds),
        "payments_refunded_in_db": rows.filter(status="refunded").count(),
        "refunded_amount_mismatch": sum(1 for p in rows if p.refunded_amount != p.amount),
    }
