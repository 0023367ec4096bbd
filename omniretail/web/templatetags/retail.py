"""Template filters that format numbers, money and times the way the shop floor reads them.

Money is formatted only through ``omniretail.core.money`` so a price on a page and on a receipt
never round differently; times are shown in the business time zone (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from omniretail.core.money import MoneyError, format_cny

register = template.Library()


@register.filter
def cny(value: Any) -> str:
    """``{{ amount|cny }}`` → ``¥1,234.50``; empty for ``None`` and the raw value for garbage,
    so a bad cell never breaks a whole page."""
    if value is None or value == "":
        return ""
    try:
        return format_cny(value)
    except MoneyError:
        return str(value)


@register.filter
def local_dt(value: Any) -> str:
    """An aware datetime as ``YYYY-MM-DD HH:MM:SS`` in the business time zone: the same in both
    languages, because staff compare it against receipts and device clocks."""
    if not isinstance(value, dt.datetime):
        return "" if value is None else str(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S")


@register.filter
def local_date(value: Any) -> str:
    """A date (or datetime, taken in the business time zone) as ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)
