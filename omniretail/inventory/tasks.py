"""Periodic inventory jobs (huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def expire_reservations() -> int:
    """Give back the units of checkouts that were abandoned (every minute)."""
    from .reservations import release_expired_reservations

    return release_expired_reservations()


@db_periodic_task(crontab(minute="5", hour="6"))
def near_expiry_scan() -> int:
    """Raise near-expiry alerts each morning, before stores open."""
    from .alerts import scan_near_expiry

    return scan_near_expiry()
