"""The omniretail CLI: seed, check-invariants, bench, backup and restore."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from omniretail.core.models import Brand, Store


@pytest.mark.django_db(transaction=True)
def test_seed_is_deterministic_and_passes_invariants(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("seed", seed=7, scale=0.05, quiet=True)
    first = list(Store.objects.order_by("code").values_list("code", "latitude", "fulfils_online"))
    call_command("seed", seed=7, scale=0.05, quiet=True, flush=True)
    second = list(Store.objects.order_by("code").values_list("code", "latitude", "fulfils_online"))
    assert first == second
    assert json.loads((tmp_path / "seed-truth.json").read_text())["org"]["stores"] == 12
    call_command("check_invariants", stdout=StringIO())


@pytest.mark.django_db
def test_seed_refuses_a_database_with_data(org):
    with pytest.raises(CommandError):
        call_command("seed", quiet=True)


@pytest.mark.django_db
@pytest.mark.allow_invariant_breach
def test_check_invariants_fails_on_a_breach(org):
    Store.objects.create(
        brand=org["brand"],
        region=org["east"],
        code="S9",
        name="无卖场",
        store_type="convenience",
        city="上海",
        address="x",
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_invariants", json=True, stdout=out)
    result = json.loads(out.getvalue())
    assert result["ok"] is False
    assert result["checks"]["org.store_has_floor_location"] == [
        "store S9 has no sales-floor location"
    ]


@pytest.mark.django_db
def test_bench_noop_prints_one_json_object_with_common_keys():
    out = StringIO()
    call_command("bench", "noop", json=True, quick=True, stdout=out)
    result = json.loads(out.getvalue())
    assert {"name", "backend", "ops", "seconds", "throughput_per_s", "p50_ms", "p99_ms"} <= set(
        result
    )
    assert result["name"] == "noop" and result["ops"] == 200


def test_unknown_benchmark_is_a_clear_error():
    with pytest.raises(CommandError, match="unknown benchmark"):
        call_command("bench", "nope")


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path, org):
    target = tmp_path / ("backup.sqlite3" if connection.vendor == "sqlite" else "backup.dump")
    if connection.vendor == "postgresql":
        import shutil

        if not shutil.which("pg_dump"):
            pytest.skip("pg_dump not installed")
    call_command("backup", str(target), stdout=StringIO())
    assert target.stat().st_size > 0
    Brand.objects.create(code="LATER", name="after the backup")
    call_command("restore", str(target), yes=True, stdout=StringIO())
    assert not Brand.objects.filter(code="LATER").exists()
    assert Store.objects.count() == 3


def test_restore_requires_confirmation(tmp_path):
    path = tmp_path / "x.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_backup_taken_while_writes_continue_restores_to_a_consistent_database(tmp_path, org):
    """Writers keep committing during the backup; the restored copy is a consistent snapshot."""
    import threading
    import time

    from django.db import connections

    from omniretail.core.ids import next_document_number
    from omniretail.core.integrity import check_all
    from omniretail.core.models import DocumentSequence

    if connection.vendor == "postgresql":
        import shutil

        if not shutil.which("pg_dump"):
            pytest.skip("pg_dump not installed")
    stop = threading.Event()
    written: list[str] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                written.append(next_document_number("BK"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20 and thread.is_alive():
            time.sleep(0.01)
        target = tmp_path / ("live.sqlite3" if connection.vendor == "sqlite" else "live.dump")
        call_command("backup", str(target), stdout=StringIO())
        during = len(written)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert during >= 20 and len(written) > 0
    call_command("restore", str(target), yes=True, stdout=StringIO())
    restored = DocumentSequence.objects.get(prefix="BK").last_value
    # the snapshot holds a prefix of the committed numbers: nothing torn, nothing invented
    assert 20 <= restored <= len(written)
    assert {k: v for k, v in check_all().items() if v} == {}


@pytest.mark.django_db
def test_statistics_refresh_runs_on_this_database():
    from omniretail.core.maintenance import optimize_if_needed, refresh_statistics

    assert refresh_statistics() == connection.vendor
    optimize_if_needed()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
