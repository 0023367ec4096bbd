"""Shared by the ``import`` and ``export`` commands (``import`` is a Python keyword, so the
command modules are loaded by name by Django; they hold no logic of their own)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from omniretail.core.models import Brand


def pick_brand(code: str | None) -> Brand:
    qs = Brand.objects.order_by("pk")
    brand = qs.filter(code=code).first() if code else qs.first()
    if brand is None:
        raise CommandError("no such brand (create the organisation or run `omniretail seed` first)")
    return brand


def add_common(parser: Any) -> None:
    parser.add_argument("kind", choices=["products"], help="what to import/export")
    parser.add_argument("file", help=".csv or .xlsx")
    parser.add_argument("--brand", help="brand code (default: the first brand)")
