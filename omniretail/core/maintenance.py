"""Database housekeeping that keeps query plans right.

SQLite plans without statistics can be very wrong (a 150-id search drove a join from the
wrong side: 60 ms instead of 0.3 ms), so statistics are refreshed after bulk loads (seed,
imports) and by a periodic job. PostgreSQL's autovacuum keeps its own, but an ANALYZE after a
bulk load helps there too.
"""

from __future__ import annotations

from django.db import connection


def refresh_statistics() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
        else:
            cursor.execute("ANALYZE")
    return connection.vendor


def optimize_if_needed() -> None:
    """Cheap: SQLite re-analyses only tables whose statistics have drifted."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
