"""The engine-agnostic query layer.

Metrics (``metrics.py``) build plain SQL over three logical tables — ``sales`` (one row per
sold order line), ``returns`` (one row per returned line) and ``stock`` (daily stock snapshot
per store and SKU) — with ``?`` placeholders, and hand it to a ``QueryEngine``. The engine
decides where those tables live:

* ``DuckDBEngine`` (today): views over the Parquet partitions written by ``extract.py``,
  queried in-process; no server, nothing to run.
* A ClickHouse engine (later, for chains that outgrow one machine) implements the same two
  methods, maps the three table names to MergeTree tables fed by the same extract, and turns
  ``?`` into its ``{pN:Type}`` parameters. The SQL the metrics write sticks to what both
  dialects share (``SUM``, ``COUNT(DISTINCT …)``, ``CASE``, ``GROUP BY``, ``ORDER BY``).

Select one with the ``ANALYTICS_ENGINE`` setting (dotted path to a factory taking the
extract's root); the default is ``omniretail.analytics.engine.DuckDBEngine``.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any, Protocol

import duckdb
from django.conf import settings
from django.utils.module_loading import import_string

from . import extract


class QueryEngine(Protocol):
    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, column name → value."""
        ...

    def has_data(self, table: str) -> bool: ...

    def latest_day(self, table: str, on_or_before: dt.date) -> dt.date | None:
        """The latest day partition of ``table`` on or before a date (stock snapshots)."""
        ...


class DuckDBEngine:
    """DuckDB over Parquet. One connection per thread (a DuckDB connection is not meant to be
    shared across threads); views are rebuilt when the extract's state file changes, because a
    view over a glob that matched no file at creation must be recreated to see new ones."""

    def __init__(self, base: Path | None = None, threads: int | None = None):
        self.base = Path(base) if base else extract.root()
        self.threads = threads
        self._local = threading.local()

    def _stamp(self) -> float:
        state = self.base / "state.json"
        return state.stat().st_mtime if state.exists() else 0.0

    def _connection(self) -> duckdb.DuckDBPyConnection:
        stamp = self._stamp()
        con = getattr(self._local, "con", None)
        if con is not None and self._local.stamp == stamp:
            return con
        if con is not None:
            con.close()
        con = duckdb.connect(":memory:")
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        present: set[str] = set()
        for table, schema in extract.TABLES.items():
            files = list((self.base / table).glob("day=*/*.parquet"))
            if files:
                glob = str(self.base / table / "day=*" / "*.parquet").replace("'", "''")
                # table names are our constants and the path is quoted: no user input here.
                # Hive partitioning lets a date filter skip whole day folders unopened.
                view = (
                    f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}', "  # noqa: S608
                    "hive_partitioning = true, hive_types = {'day': DATE})"
                )
                con.execute(view)
                present.add(table)
            else:
                cols = ", ".join(f"CAST(NULL AS {_duck_type(f.type)}) AS {f.name}" for f in schema)
                con.execute(f"CREATE VIEW {table} AS SELECT {cols} WHERE false")
        self._local.con = con
        self._local.stamp = stamp
        self._local.present = present
        return con

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        con = self._connection()
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def has_data(self, table: str) -> bool:
        self._connection()
        return table in self._local.present

    def latest_day(self, table: str, on_or_before: dt.date) -> dt.date | None:
        """From the folder names alone: no file is opened."""
        days = []
        for folder in (self.base / table).glob("day=*"):
            try:
                day = dt.date.fromisoformat(folder.name[4:])
            except ValueError:
                continue
            if day <= on_or_before and (folder / "part.parquet").exists():
                days.append(day)
        return max(days) if days else None


def _duck_type(arrow_type: Any) -> str:
    text = str(arrow_type)
    return {
        "int64": "BIGINT",
        "int32": "INTEGER",
        "int8": "TINYINT",
        "date32[day]": "DATE",
        "string": "VARCHAR",
        "bool": "BOOLEAN",
    }.get(text, "VARCHAR")


_engine: QueryEngine | None = None
_lock = threading.Lock()


def get_engine() -> QueryEngine:
    """The process-wide engine over the configured extract root."""
    global _engine
    with _lock:
        if _engine is None or getattr(_engine, "base", None) != extract.root():
            factory = import_string(
                getattr(settings, "ANALYTICS_ENGINE", "omniretail.analytics.engine.DuckDBEngine")
            )
            _engine = factory(extract.root())
        return _engine


def invalidate() -> None:
    """Forget the engine (after an extract, or when tests point the root elsewhere)."""
    global _engine
    with _lock:
        _engine = None
