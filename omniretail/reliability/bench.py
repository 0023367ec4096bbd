"""Reliability benchmarks (autodiscovered by ``omniretail bench``)."""

from __future__ import annotations

from typing import Any

from django.db import connections

from omniretail.core.benchmarking import BenchOptions, benchmark


@benchmark(
    "flash-sale",
    "Real server: N buyers race for few units of one SKU (online pickup orders, then pay).",
)
def flash_sale_bench(options: BenchOptions) -> dict[str, Any]:
    from omniretail.core.loadtest import running_server

    from .scenarios import create_sale, flash_sale

    buyers = 100 if options.quick else int(options.extra.get("buyers", 1000))
    units = 10 if options.quick else int(options.extra.get("units", 100))
    concurrency = int(options.extra.get("concurrency", 16 if options.quick else 32))
    workers = max(2, options.workers)
    sale = create_sale(units)
    connections.close_all()  # the server's workers are forked: share no connection
    with running_server(workers=workers) as base:
        report = flash_sale(base, sale, buyers=buyers, concurrency=concurrency)
    return {**report, "server_workers": workers, "load_average": _load_average()}


@benchmark(
    "crash-recovery",
    "Real server SIGKILLed mid-stream of order placements, restarted; acknowledged orders kept.",
)
def crash_recovery_bench(options: BenchOptions) -> dict[str, Any]:
    import time

    import httpx

    from .scenarios import OrderStream, Server, create_sale, order_body, order_soundness

    clients = 2 if options.quick else 4
    acks_before_kill = 5 if options.quick else 25
    sale = create_sale(10_000)
    prefix = f"crash-{sale.tag.lower()}-"
    connections.close_all()
    server = Server(workers=max(2, options.workers))
    try:
        base = server.start()
        streams = [OrderStream(base, sale, f"{prefix}{k}-", limit=500) for k in range(clients)]
        for stream in streams:
            stream.ack_target = acks_before_kill
            stream.start()
        for stream in streams:
            stream.acked.wait(timeout=120)
        killed_at = time.perf_counter()
        server.kill()
        for stream in streams:
            stream.join(timeout=60)
        base = server.start()
        restart_s = time.perf_counter() - killed_at
        placements = [p for s in streams for p in s.placements]
        acknowledged = [p for p in placements if p.status == 200 and p.number]
        in_doubt = [p for p in placements if p.status is None]
        changed = 0
        headers = {"Authorization": f"Bearer {sale.token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for p in in_doubt + acknowledged:
                r = client.post("/api/v1/orders/", json=order_body(sale, p.reference))
                same = r.status_code == 200 and (not p.number or r.json().get("number") == p.number)
                changed += int(not same)
    finally:
        server.stop()
    report = order_soundness(sale, {p.number for p in acknowledged})
    return {
        "clients": clients,
        "ops": len(placements),
        "acknowledged_before_kill": len(acknowledged),
        "in_doubt_at_kill": len(in_doubt),
        "replays_answered_differently": changed,
        "kill_to_healthy_s": round(restart_s, 2),
        "acknowledged_missing": len(report["acknowledged_missing"]),
        "acknowledged_without_active_reservation": len(
            report["acknowledged_without_active_reservation"]
        ),
        "orders_without_lines": len(report["orders_without_lines"]),
        "orders_total_mismatch": len(report["orders_total_mismatch"]),
        "orphan_reservations": len(report["orphan_reservations"]),
        "orders_after_replay": report["orders"],
        "invariant_breaches": report["invariant_breaches"],
        "load_average": _load_average(),
    }


def _load_average() -> list[float]:
    """The machine's 1/5/15-minute load: figures from a shared machine need it beside them."""
    import os

    return [round(x, 2) for x in os.getloadavg()]


def _server_run(options: BenchOptions, registers: int, scenario: Any) -> dict[str, Any]:
    """Create the till, start the production server (several gunicorn workers) on a loopback
    port, run ``scenario(base, till)`` and add what describes the run."""
    from omniretail.core.loadtest import running_server

    from .http_load import create_till

    till = create_till(registers)
    workers = max(2, options.workers)
    connections.close_all()  # the server's workers are forked: share no connection
    with running_server(workers=workers) as base:
        report = scenario(base, till)
    return {
        **report,
        "server_workers": workers,
        "server_threads": 4,
        "database": connections["default"].vendor,
        "load_average": _load_average(),
    }


@benchmark(
    "http-checkout",
    "Real server: tills (one cashier token and shift each) ring up POS checkouts over HTTP "
    "(several lines, a member on 2 of 3, cash or WeChat); creates its own store, needs no seed.",
)
def http_checkout_bench(options: BenchOptions) -> dict[str, Any]:
    from .http_load import checkout_load

    registers = int(options.extra.get("registers", 4 if options.quick else 16))
    per_register = int(options.extra.get("per_register", 10 if options.quick else 50))
    return _server_run(
        options,
        registers,
        lambda base, till: checkout_load(base, till, per_register=per_register),
    )


@benchmark(
    "http-order",
    "Real server: shoppers place online pickup orders (several lines, a member on half) and pay "
    "each through the payments API; creates its own store, needs no seed.",
)
def http_order_bench(options: BenchOptions) -> dict[str, Any]:
    from .http_load import order_load

    orders = int(options.extra.get("orders", 40 if options.quick else 600))
    concurrency = int(options.extra.get("concurrency", 8 if options.quick else 24))
    return _server_run(
        options,
        1,
        lambda base, till: order_load(base, till, orders=orders, concurrency=concurrency),
    )


@benchmark(
    "mixed-day",
    "Real server: a weighted mix — browsing 50% (catalog API, storefront pages), POS sales 20%, "
    "online orders paid 15%, refunds 5%, dashboards 10%; creates its own store, needs no seed.",
)
def mixed_day_bench(options: BenchOptions) -> dict[str, Any]:
    from .http_load import mixed_day

    actions = int(options.extra.get("actions", 100 if options.quick else 1500))
    concurrency = int(options.extra.get("concurrency", 8 if options.quick else 24))
    registers = int(options.extra.get("registers", 4 if options.quick else 8))
    return _server_run(
        options,
        registers,
        lambda base, till: mixed_day(base, till, actions=actions, concurrency=concurrency),
    )
