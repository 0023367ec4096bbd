"""The background-job worker, as a real process: events published by a request are delivered
by `omniretail worker` (huey consumer) through the job queue, not in the request."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from omniretail.core import events
from omniretail.core.models import OutboxEvent, OutboxStatus


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@pytest.mark.serial
@pytest.mark.django_db(transaction=True)
def test_worker_process_delivers_events_enqueued_after_commit():
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a file database (OMNIRETAIL_TEST_DB_FILE)")
    from huey.contrib.djhuey import HUEY

    assert type(HUEY).__name__ == ("RedisHuey" if settings.REDIS_URL else "SqliteHuey")
    HUEY.immediate = False
    HUEY.storage.flush_queue()
    HUEY.storage.flush_schedule()
    worker = None
    try:
        with transaction.atomic():
            event = events.publish("test.worker", {"hello": "world"})
        assert HUEY.pending_count() + HUEY.scheduled_count() >= 1  # queued, not run in-process
        env = dict(
            os.environ,
            OMNIRETAIL_DATABASE_URL=_database_url(),
            OMNIRETAIL_DATA_DIR=str(settings.DATA_DIR),
            OMNIRETAIL_HUEY_REAL="1",
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "omniretail.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if OutboxEvent.objects.get(pk=event.pk).status == OutboxStatus.DONE:
                break
            time.sleep(0.2)
        assert OutboxEvent.objects.get(pk=event.pk).status == OutboxStatus.DONE
    finally:
        HUEY.immediate = True
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=20)
