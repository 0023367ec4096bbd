"""Fast bulk loading for seeders at scale: raw multi-row inserts in chunks on SQLite, ``COPY``
on PostgreSQL, secondary indexes dropped during the load and rebuilt after it, and primary keys
handed out up front so related rows can be written without reading ids back.

Only seeders use this (never request code): it bypasses model ``save`` and signals, so the
caller writes exactly the rows a service would (ledger included) and calls
``accounts.scope.invalidate_scopes()`` when it touched the organisation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

CHUNK = 5000


def next_ids(model: Any, count: int) -> range:
    """``count`` fresh primary keys above the current maximum (seeders run alone)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
        top = int(cursor.fetchone()[0])
    return range(top + 1, top + 1 + count)


def fix_sequence(model: Any) -> None:
    """After explicit ids on PostgreSQL, move the identity sequence past them."""
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) in chunks of at most ``CHUNK``, one short
    transaction per chunk. Values must already be in database form (fen, adapted datetimes)."""
    written = 0
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            written += _write(table, columns, chunk)
            chunk = []
    if chunk:
        written += _write(table, columns, chunk)
    return written


def _write(table: str, columns: Sequence[str], chunk: list[Sequence[Any]]) -> int:
    qn = connection.ops.quote_name
    table, cols = qn(table), ", ".join(qn(c) for c in columns)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
        else:
            connection.ensure_connection()
            # One JSON array per chunk, unpacked by SQLite's json_each: binding a Python tuple
            # per row through ``executemany`` cost twice as long (≈ 200k rows/s). Values keep
            # their type: JSON text stays TEXT, numbers INTEGER/REAL, booleans 1/0, null NULL.
            picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
            connection.connection.execute(
                f"INSERT INTO {table} ({cols}) SELECT {picks} FROM json_each(?)",  # noqa: S608
                (json.dumps(chunk, ensure_ascii=False, default=str),),
            )
    return len(chunk)


def insert_fanned(
    table: str, value_column: str, key_column: str, groups: Sequence[tuple[int, list[str]]]
) -> int:
    """Insert one row (value, key) per value of each ``(key, [values…])`` group — search
    tokens are ~43 rows per SKU — letting the database fan the groups out: one JSON document
    per chunk of groups instead of 13 million Python tuples."""
    qn = connection.ops.quote_name
    target = f"{qn(table)} ({qn(value_column)}, {qn(key_column)})"
    written = 0
    step = max(1, CHUNK // 10)
    for start in range(0, len(groups), step):
        part = groups[start : start + step]
        document = json.dumps(part, ensure_ascii=False)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {target} SELECT v, (g->>0)::bigint "  # noqa: S608
                    "FROM jsonb_array_elements(%s::jsonb) g "
                    "CROSS JOIN LATERAL jsonb_array_elements_text(g->1) v",
                    [document],
                )
            else:
                cursor.execute(
                    f"INSERT INTO {target} SELECT v.value, json_extract(g.value, '$[0]') "  # noqa: S608
                    "FROM json_each(%s) g, json_each(g.value, '$[1]') v",
                    [document],
                )
        written += sum(len(values) for _key, values in part)
    return written


def db_datetime(value: Any) -> Any:
    """A timezone-aware datetime as the backend stores it."""
    return connection.ops.adapt_datetimefield_value(value)


@contextmanager
def indexes_deferred(*tables: str) -> Iterator[None]:
    """Drop the secondary indexes of ``tables``, run the load, then rebuild them once: building
    a B-tree from sorted data beats updating it row by row. On SQLite that includes the named
    unique indexes (``UniqueConstraint``): rebuilding one fails on a duplicate just as an insert
    would, so the load stays as strict. On PostgreSQL unique constraints stay in place, and the
    foreign keys of ``tables`` are dropped and re-added: their per-row triggers checked ~17
    million rows one by one at commit (minutes), re-adding validates every row in one join."""
    saved = _plain_indexes(tables)
    keys = _foreign_keys(tables)
    with connection.cursor() as cursor, _checks_settled(cursor):
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _sql in saved:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor, _checks_settled(cursor):
            for _name, sql in saved:
                cursor.execute(sql)
            for table, name, definition in keys:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def _foreign_keys(tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, constraint, definition) of the foreign keys on ``tables`` — PostgreSQL only:
    SQLite checks a key with one index probe per row, cheap next to the insert itself."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' AND t.relname = ANY(%s) "
            "ORDER BY t.relname, c.conname",
            [list(tables)],
        )
        return [(t, n, d) for t, n, d in cursor.fetchall()]


@contextmanager
def _checks_settled(cursor: Any) -> Iterator[None]:
    """PostgreSQL refuses index DDL on a table with pending deferred foreign-key checks, which
    exist only inside an enclosing transaction (tests): run those checks first."""
    deferred = connection.vendor == "postgresql" and connection.in_atomic_block
    if deferred:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    if deferred:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _plain_indexes(tables: Sequence[str]) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [list(tables)],
            )
            return [(n, s) for n, s in cursor.fetchall()]
        cursor.execute(
            "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
        return [(n, s) for n, s, t in cursor.fetchall() if t in tables]
