"""Periodic members jobs (huey): tier reviews, points expiry, retention."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="20", hour="2"))
def review_tiers() -> int:
    """Downgrades (and late upgrades) happen at each member's review date, nightly."""
    from .tiers import review_due_tiers

    return review_due_tiers()


@db_periodic_task(crontab(minute="40", hour="2"))
def expire_points() -> int:
    """Lots past their expiry date (end of the following year by default) expire nightly."""
    from .points import expire_due_points

    return expire_due_points()


@db_periodic_task(crontab(minute="10", hour="4", day_of_week="0"))
def apply_retention() -> int:
    """Weekly: anonymise members inactive for RETENTION_YEARS with nothing owed to them."""
    from .privacy import anonymise_inactive

    return anonymise_inactive()
