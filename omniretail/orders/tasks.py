"""Periodic jobs of the orders domain."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import pickup


@db_periodic_task(crontab(minute="*/15"))
def cancel_unclaimed_pickups() -> int:
    """Unclaimed BOPIS orders go back on sale (release their reservations)."""
    return pickup.cancel_unclaimed_pickups()
