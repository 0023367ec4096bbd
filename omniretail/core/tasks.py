"""Background jobs owned by the foundation (huey; its own SQLite file, or Redis when configured)."""

from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import clock
from .models import IdempotencyRecord


@db_task()
def dispatch_outbox() -> dict[str, int]:
    from .events import dispatch_due

    report = dispatch_due()
    return {"done": report.events_done, "webhooks": report.webhooks_delivered}


@db_periodic_task(crontab(minute="*"))
def outbox_tick() -> None:
    """Retries whatever the after-commit dispatch missed (worker down, handler failing)."""
    from .events import dispatch_due

    dispatch_due()


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_idempotency_records() -> int:
    from django.conf import settings

    cutoff = clock.now() - dt.timedelta(hours=settings.OMNIRETAIL["IDEMPOTENCY_TTL_HOURS"])
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@db_periodic_task(crontab(minute="41"))
def refresh_query_statistics() -> None:
    from .maintenance import optimize_if_needed

    optimize_if_needed()


@db_periodic_task(crontab(minute="5", hour="4"))
def analyze_database() -> None:
    from .maintenance import refresh_statistics

    refresh_statistics()
