"""Calendar arithmetic the members rules need (no dateutil dependency)."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later (or earlier), clamped to the month's last day (29 Feb → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def end_of_year(year: int) -> dt.date:
    return dt.date(year, 12, 31)
