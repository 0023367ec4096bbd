"""The one clock of omniretail.

Business code never calls ``datetime.now()`` or ``date.today()``: the business day is
Asia/Shanghai (already tomorrow from 16:00 UTC), and tests freeze time through this module's
callers with time-machine. Keeping every read of "now" here makes both true.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """Aware UTC datetime."""
    return timezone.now()


def today() -> dt.date:
    """The business date in the configured time zone."""
    return timezone.localdate(timezone.now())


def local_now() -> dt.datetime:
    return timezone.localtime(timezone.now())


def business_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware [start, end) of a business day in the configured time zone."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min).replace(tzinfo=tz)
    return start, start + dt.timedelta(days=1)
