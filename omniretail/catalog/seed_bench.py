"""``seed-large``: wall time and peak memory of the large-catalog seed (issue #12)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from omniretail.core.benchmarking import BenchOptions, benchmark


@benchmark("seed-large", "Wall time and peak memory of `omniretail seed --scale large`.")
def seed_large(options: BenchOptions) -> dict[str, Any]:
    """Seeds a fresh SQLite file (or, with --set database_url=…, a PostgreSQL database that is
    dropped and re-created) in a child process and measures it."""
    skus = int(options.extra.get("skus", 5000 if options.quick else 300_000))
    stores = int(options.extra.get("stores", 20 if options.quick else 1000))
    data_dir = Path(tempfile.mkdtemp(prefix="omniretail-seed-large-"))
    env = dict(os.environ, OMNIRETAIL_DATA_DIR=str(data_dir))
    env.pop("OMNIRETAIL_DATABASE_URL", None)
    url = options.extra.get("database_url") or options.database_url
    if url:
        env["OMNIRETAIL_DATABASE_URL"] = _fresh_pg_database(url)
    exe = [sys.executable, "-m", "omniretail.cli"]
    try:
        subprocess.run([*exe, "migrate", "-v0"], env=env, check=True)  # noqa: S603
        start = time.perf_counter()
        subprocess.run(  # noqa: S603
            [*exe, "seed", "--quiet", "--skus", str(skus), "--stores", str(stores)],
            env=env,
            check=True,
        )
        wall = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        check = subprocess.run(  # noqa: S603
            [*exe, "check-invariants"], env=env, capture_output=True, text=True, check=False
        )
        size = sum(p.stat().st_size for p in data_dir.glob("*.sqlite3*"))
        truth_file = data_dir / "seed-truth.json"
        truth = json.loads(truth_file.read_text()) if truth_file.exists() else {}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "ops": 1,
        "backend": "postgresql" if url else "sqlite",
        "skus": skus,
        "stores": stores,
        "seconds": round(wall, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "database_mib": round(size / 2**20, 1) if not url else None,
        "invariants_ok": check.returncode == 0,
        "step_seconds": truth.get("step_seconds", {}),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _fresh_pg_database(url: str) -> str:
    """A throw-away database next to ``url`` (``<name>_seedbench``), dropped first."""
    import psycopg

    base, _slash, name = url.rpartition("/")
    name = name.split("?")[0]
    fresh = f"{name}_seedbench"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        conn.execute(f'CREATE DATABASE "{fresh}"')
    return f"{base}/{fresh}"
