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
    return {**report, "server_workers": workers}
