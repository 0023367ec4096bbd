"""Catalog invariants checked by ``omniretail check-invariants``."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q

from omniretail.core.integrity import invariant

from .barcodes import is_valid_gtin
from .models import Barcode, Category, LifecycleStatus, Sku


@invariant("catalog.active_sku_has_primary_barcode")
def active_sku_has_primary_barcode() -> Iterator[str]:
    """An active SKU that cannot be scanned cannot be sold at the till."""
    missing = (
        Sku.objects.filter(status=LifecycleStatus.ACTIVE)
        .annotate(primaries=Count("barcodes", filter=Q(barcodes__is_primary=True)))
        .exclude(primaries=1)
    )
    for code in missing.values_list("code", flat=True)[:100]:
        yield f"active SKU {code} does not have exactly one primary barcode"


@invariant("catalog.barcode_check_digits")
def barcode_check_digits() -> Iterator[str]:
    last = 0
    while True:
        batch = list(
            Barcode.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "code")[:5000]
        )
        if not batch:
            return
        for _pk, code in batch:
            if not is_valid_gtin(code):
                yield f"barcode {code} has a wrong check digit"
        last = batch[-1][0]


@invariant("catalog.category_paths")
def category_paths() -> Iterator[str]:
    """path = parent's path + own id; depth = number of segments − 1."""
    paths = dict(Category.objects.values_list("pk", "path"))
    for pk, parent_id, path, depth in Category.objects.values_list(
        "pk", "parent_id", "path", "depth"
    ):
        expected = (paths.get(parent_id, "") if parent_id else "") + f"{pk:06d}/"
        if path != expected or depth != path.count("/") - 1:
            yield f"category {pk} has path {path!r} (expected {expected!r}) or wrong depth {depth}"
