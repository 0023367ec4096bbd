"""The demo-data framework behind ``omniretail seed``.

Each domain registers seed steps in its ``seed.py``; steps run in ``order`` with one shared
context: a seeded random generator (same seed → same data), the scale, a progress display,
and ``truth`` — what the seeder planted, written to ``seed-truth.json`` so tests and the demo
can compare what the product finds with what is there.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@dataclass
class SeedContext:
    seed: int
    scale: float
    rng: random.Random
    progress: Progress
    truth: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    # Large-catalog targets (``--scale large``, ``--skus``/``--stores``): steps registered for
    # scale top the chain up to these totals after the demo steps; None = demo size only.
    skus: int | None = None
    stores: int | None = None

    def scaled(self, base: int, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))

    def track(self, description: str, total: int) -> Any:
        return self.progress.add_task(description, total=total)


SeedFn = Callable[[SeedContext], None]


@dataclass(order=True)
class SeedStep:
    order: int
    name: str
    fn: SeedFn = field(compare=False)


_steps: dict[str, SeedStep] = {}


def seed_step(name: str, order: int) -> Callable[[SeedFn], SeedFn]:
    def register(fn: SeedFn) -> SeedFn:
        _steps[name] = SeedStep(order, name, fn)
        return fn

    return register


def steps() -> list[SeedStep]:
    return sorted(_steps.values())


def make_progress(quiet: bool = False) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=quiet,
        transient=False,
    )


@contextmanager
def bulk_session() -> Iterator[None]:
    """SQLite settings for a bulk load on this connection, restored afterwards: no fsync per
    commit (a crash mid-seed means seeding again anyway), a 512 MiB page cache so index pages
    stay in memory, temporary B-trees (index builds, sorts) in memory. WAL stays on. A no-op on
    PostgreSQL, where ``COPY`` already avoids the per-row cost."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # SQLite cannot change its safety level inside a transaction (tests seed in one).
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size")
        cache_size = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA temp_store")
        temp_store = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-524288")
        cursor.execute("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute(f"PRAGMA cache_size={cache_size}")
            cursor.execute(f"PRAGMA temp_store={temp_store}")


# Named sizes for ``omniretail seed --scale NAME``: (SKUs, stores) of the large-catalog steps.
SCALE_PRESETS: dict[str, tuple[int, int]] = {
    "large": (300_000, 1_000),
    "medium": (50_000, 200),
    "small": (5_000, 20),
}


def run_seed(
    seed: int = 42,
    scale: float = 1.0,
    quiet: bool = False,
    truth_path: Path | None = None,
    *,
    skus: int | None = None,
    stores: int | None = None,
) -> SeedContext:
    progress = make_progress(quiet)
    ctx = SeedContext(
        seed=seed,
        scale=scale,
        rng=random.Random(seed),
        progress=progress,
        skus=skus,
        stores=stores,
    )
    timings: dict[str, float] = {}
    with progress, bulk_session():
        for step in steps():
            started = time.perf_counter()
            step.fn(ctx)
            timings[step.name] = round(time.perf_counter() - started, 2)
    # Seconds per step, so a slow seed says where its time went (seed-truth.json, seed-large).
    ctx.truth["step_seconds"] = timings
    if truth_path is not None:
        truth_path.write_text(json.dumps(ctx.truth, ensure_ascii=False, indent=2, default=str))
    return ctx
