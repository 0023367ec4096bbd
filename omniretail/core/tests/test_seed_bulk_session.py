"""The bulk-load session of ``omniretail seed`` and where the large-catalog steps run."""

from __future__ import annotations

import pytest
from django.db import connection

from omniretail.core.seeding import bulk_session, steps

pytestmark = pytest.mark.django_db(transaction=True)


def _pragmas() -> tuple[int, int, int]:
    with connection.cursor() as cursor:
        values = []
        for name in ("synchronous", "cache_size", "temp_store"):
            cursor.execute(f"PRAGMA {name}")
            values.append(int(cursor.fetchone()[0]))
    return values[0], values[1], values[2]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite connection settings")
def test_bulk_session_relaxes_sqlite_durability_only_while_the_load_runs_when_seeding():
    before = _pragmas()
    with bulk_session():
        synchronous, cache_size, temp_store = _pragmas()
        assert synchronous == 0  # OFF
        assert cache_size <= -262_144  # at least 256 MiB of page cache
        assert temp_store == 2  # MEMORY
    assert _pragmas() == before


def test_bulk_session_restores_the_settings_when_the_load_fails():
    before = _pragmas() if connection.vendor == "sqlite" else None
    with pytest.raises(RuntimeError), bulk_session():
        raise RuntimeError("seed step failed")
    if before is not None:
        assert _pragmas() == before


def test_bulk_session_changes_nothing_when_run_inside_a_transaction():
    from django.db import transaction

    with transaction.atomic():
        before = _pragmas() if connection.vendor == "sqlite" else None
        with bulk_session():
            if before is not None:
                assert _pragmas() == before


def test_large_catalog_steps_run_after_the_analytics_extract_when_seeding():
    order = [step.name for step in steps()]
    assert order.index("analytics") < order.index("scale-stores")
    assert order.index("scale-stores") < order.index("scale-catalog") < order.index("scale-stock")
    assert order[-3:] == ["scale-stores", "scale-catalog", "scale-stock"]
