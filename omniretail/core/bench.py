"""Foundation benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection

from .benchmarking import BenchOptions, Latencies, benchmark


@benchmark("noop", "Framework check: a trivial database round trip, to calibrate the others.")
def noop(options: BenchOptions) -> dict[str, Any]:
    ops = 200 if options.quick else 5000
    lat = Latencies()
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for _ in range(ops):
            with lat.measure():
                cursor.execute("SELECT 1")
                cursor.fetchone()
    seconds = time.perf_counter() - start
    return {
        "ops": ops,
        "seconds": round(seconds, 4),
        "throughput_per_s": round(ops / seconds, 1),
        **lat.summary(),
    }


@benchmark("document-numbers", "Document numbers issued per second (one transaction each).")
def document_numbers(options: BenchOptions) -> dict[str, Any]:
    from .ids import next_document_number

    ops = 100 if options.quick else 2000
    lat = Latencies()
    start = time.perf_counter()
    for _ in range(ops):
        with lat.measure():
            next_document_number("BENCH")
    seconds = time.perf_counter() - start
    return {
        "ops": ops,
        "seconds": round(seconds, 4),
        "throughput_per_s": round(ops / seconds, 1),
        **lat.summary(),
    }


@benchmark(
    "http-read",
    "Real server (gunicorn workers) under concurrent API reads: stores, SKU search, stock.",
)
def http_read(options: BenchOptions) -> dict[str, Any]:
    from django.core.management.base import CommandError

    from omniretail.accounts.models import RoleAssignment
    from omniretail.accounts.services import issue_token

    from .loadtest import drive, running_server

    assignment = (
        RoleAssignment.objects.filter(role="store_manager")
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if assignment is None:
        raise CommandError("http-read needs demo data: run `omniretail seed` first")
    _token, raw = issue_token(assignment.user, name="bench http-read")
    paths = [
        "/api/v1/org/stores",
        "/api/v1/catalog/skus?q=%E8%8C%85%E5%8F%B0&limit=20",
        "/api/v1/catalog/skus?q=mt&limit=20",
        "/api/v1/inventory/stock?limit=20",
        "/healthz",
    ]
    total = 150 if options.quick else int(5000 * options.scale)
    concurrency = int(options.extra.get("concurrency", 16))
    workers = max(2, options.workers)
    with running_server(workers=workers) as base:
        result = drive(
            base,
            token=raw,
            next_request=lambda i: ("GET", paths[i % len(paths)], None),
            total=total,
            concurrency=concurrency,
        )
    return {
        **result.figures(),
        "server_workers": workers,
        "concurrency": concurrency,
        "paths": paths,
    }
