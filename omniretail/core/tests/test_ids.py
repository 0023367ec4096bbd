from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os

import pytest
from django.db import connection, connections

from omniretail.core.ids import next_document_number


@pytest.mark.django_db
def test_numbers_are_sequential_per_prefix_and_day(frozen_now):
    assert next_document_number("SH001") == "SH001-20261123-000001"
    assert next_document_number("SH001") == "SH001-20261123-000002"
    assert next_document_number("GZ001") == "GZ001-20261123-000001"


@pytest.mark.django_db
def test_counter_restarts_on_a_new_business_day():
    next_document_number("SH001", day=dt.date(2026, 11, 22))
    assert next_document_number("SH001", day=dt.date(2026, 11, 23)).endswith("-000001")


@pytest.mark.django_db
def test_business_day_is_shanghai_date_after_16_utc():
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC), tick=False):
        assert next_document_number("SH001").startswith("SH001-20261124-")


@pytest.mark.django_db
def test_lower_case_prefix_is_refused():
    with pytest.raises(ValueError):
        next_document_number("sh001")


def _issue_numbers(db_settings: dict, count: int, queue: mp.Queue) -> None:
    import django

    django.setup()
    from django.db import connections as child_connections

    child_connections["default"].settings_dict.update(db_settings)
    from omniretail.core.ids import next_document_number as issue

    queue.put([issue("CONC") for _ in range(count)])


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_across_concurrent_processes():
    db_settings = {"NAME": connection.settings_dict["NAME"]}
    connections.close_all()
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
    workers = [ctx.Process(target=_issue_numbers, args=(db_settings, 25, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    numbers = [n for _ in workers for n in queue.get(timeout=60)]
    for w in workers:
        w.join(timeout=60)
    assert len(numbers) == 100
    assert len(set(numbers)) == 100
