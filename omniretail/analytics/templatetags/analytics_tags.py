"""Formatting for analytics pages: metric values by unit, signed changes, localised names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


@register.filter
def metric(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "money":
        return f"¥{Decimal(value):,.2f}"
    if unit == "ratio":
        return f"{float(value) * 100:.1f}%"
    if unit == "count":
        return f"{int(value):,}"
    if unit == "days":
        return f"{float(value):.1f}"
    return f"{float(value):.2f}"


@register.filter
def delta(value: Any, higher_is_better: bool = True) -> str:
    if value is None:
        return "—"
    good = (value >= 0) == bool(higher_is_better)
    return format_html(
        '<span class="{}">{}{}%</span>',
        "up" if good else "down",
        "+" if value >= 0 else "",
        f"{value * 100:.1f}",
    )


@register.filter
def localname(obj: Any) -> str:
    name_en = getattr(obj, "name_en", "")
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return getattr(obj, "name", str(obj))


@register.filter
def pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


@register.filter
def yuan(fen: Any) -> str:
    return f"¥{Decimal(int(fen or 0)) / 100:,.2f}"
