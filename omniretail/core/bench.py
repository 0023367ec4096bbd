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
