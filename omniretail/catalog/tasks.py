"""Catalog background jobs."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def apply_scheduled_lifecycle_changes() -> int:
    """Scheduled lifecycle changes (activate at 08:00, discontinue at month end) take effect
    within a minute of their time."""
    from .services import apply_due_changes

    return apply_due_changes()
