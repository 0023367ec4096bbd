"""The benchmark framework behind ``omniretail bench NAME --json``.

A benchmark is a function registered under a name; it receives the parsed options and returns
a dict of its figures. The framework adds the common keys (name, backend, ops, seconds,
throughput_per_s, p50_ms, p95_ms, p99_ms) so every benchmark reads the same way.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection


@dataclass
class BenchOptions:
    quick: bool = False
    scale: float = 1.0
    workers: int = 2
    database_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


BenchFn = Callable[[BenchOptions], dict[str, Any]]


@dataclass
class Benchmark:
    name: str
    fn: BenchFn
    description: str


_registry: dict[str, Benchmark] = {}


def benchmark(name: str, description: str = "") -> Callable[[BenchFn], BenchFn]:
    def register(fn: BenchFn) -> BenchFn:
        _registry[name] = Benchmark(
            name, fn, description or (fn.__doc__ or "").strip().splitlines()[0]
        )
        return fn

    return register


def registered() -> dict[str, Benchmark]:
    return dict(sorted(_registry.items()))


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Latencies:
    """Collects per-operation wall times in milliseconds."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    @contextmanager
    def measure(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.samples.append((time.perf_counter() - start) * 1000)

    def summary(self) -> dict[str, float]:
        s = self.samples
        return {
            "p50_ms": round(percentile(s, 50), 3),
            "p95_ms": round(percentile(s, 95), 3),
            "p99_ms": round(percentile(s, 99), 3),
            "mean_ms": round(statistics.fmean(s), 3) if s else 0.0,
        }


def run(name: str, options: BenchOptions) -> dict[str, Any]:
    bench = _registry[name]
    start = time.perf_counter()
    figures = bench.fn(options)
    elapsed = time.perf_counter() - start
    result: dict[str, Any] = {
        "name": name,
        "backend": connection.vendor,
        "quick": options.quick,
        "ops": 0,
        "seconds": round(elapsed, 4),
    }
    result.update(figures)
    seconds = result.get("seconds") or elapsed
    result.setdefault("throughput_per_s", round(result["ops"] / seconds, 2) if seconds else 0.0)
    for key in ("p50_ms", "p99_ms"):
        result.setdefault(key, 0.0)
    return result
