"""Periodic jobs of the payments domain."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def poll_pending_payments() -> int:
    """Lost notifications must not leave a paid customer's order unpaid: ask the provider."""
    from . import services

    return services.poll_pending()
