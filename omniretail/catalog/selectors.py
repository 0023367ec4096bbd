"""Catalog reads. The catalog belongs to a brand (the chain); a caller sees the brands of
their scope: brand-wide roles directly, store roles through their stores' brand."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from omniretail.core.errors import ValidationFailed
from omniretail.core.models import Store

from .errors import CatalogError
from .models import Category, Product, ProductBrand, Sku, Tag


def visible_brand_ids(scope: Any) -> set[int]:
    ids = set(scope.brand_ids)
    if scope.store_ids:
        ids |= set(Store.objects.filter(pk__in=scope.store_ids).values_list("brand_id", flat=True))
    return ids


def categories(scope: Any) -> QuerySet[Category]:
    return Category.objects.filter(brand_id__in=visible_brand_ids(scope))


def subtree(category: Category) -> QuerySet[Category]:
    """The category and all its descendants: one indexed prefix match on ``path``."""
    return Category.objects.filter(path__startswith=category.path)


def products(scope: Any) -> QuerySet[Product]:
    return Product.objects.filter(brand_id__in=visible_brand_ids(scope))


def skus(scope: Any) -> QuerySet[Sku]:
    return Sku.objects.filter(product__brand_id__in=visible_brand_ids(scope))


def sku(scope: Any, sku_id: int) -> Sku | None:
    return skus(scope).select_related("product", "product__category").filter(pk=sku_id).first()


def product_brands() -> QuerySet[ProductBrand]:
    return ProductBrand.objects.order_by("code")


def tags(scope: Any) -> QuerySet[Tag]:
    return Tag.objects.filter(brand_id__in=visible_brand_ids(scope))


def sku_list(
    scope: Any,
    *,
    q: str | None = None,
    category_id: int | None = None,
    status: str | None = None,
    brand_id: int | None = None,
    tag: str | None = None,
    attrs: list[str] | None = None,
) -> QuerySet[Sku]:
    """Filtered SKUs for lists and the API (keyset-paginated by the caller)."""
    from .attributes import filter_skus
    from .search import search_sku_ids

    qs = skus(scope)
    if category_id is not None:
        cat = categories(scope).filter(pk=category_id).first() if 0 < category_id < 2**62 else None
        if cat is None:
            return qs.none()
        # The subtree's ids (a handful) instead of a join on the path: the list query then
        # walks the sort index and checks each row's product by primary key.
        qs = qs.filter(product__category_id__in=list(subtree(cat).values_list("pk", flat=True)))
    if status:
        qs = qs.filter(status=status[:20])
    if brand_id is not None:
        qs = qs.filter(product__product_brand_id=brand_id)
    if tag:
        qs = qs.filter(sku_tags__tag__code=tag[:40], sku_tags__accepted=True)
    if attrs:
        qs = filter_skus(qs, attrs)
    if q and q.strip():
        ids = search_sku_ids(q[:100], base=qs, limit=200)
        qs = qs.filter(pk__in=ids)
    return qs


# Sort keys of SKU lists → keyset orderings (the last field unique). Each is served by an index
# (``sku_status_*_idx`` with a status filter, the unique code index without one).
SKU_SORTS: dict[str, list[str]] = {
    "id": ["pk"],
    "code": ["code"],
    "-code": ["-code"],
    "name": ["name", "pk"],
    "-updated": ["-updated_at", "-pk"],
}


def sku_order(sort: str | None) -> list[str]:
    if not sort:
        return SKU_SORTS["id"]
    if sort not in SKU_SORTS:
        raise ValidationFailed(
            CatalogError.INVALID_SORT,
            _("Unknown sort; use one of: %(sorts)s.") % {"sorts": ", ".join(SKU_SORTS)},
            {"sort": sort[:20]},
        )
    return SKU_SORTS[sort]
