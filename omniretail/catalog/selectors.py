"""Catalog reads. The catalog belongs to a brand (the chain); a caller sees the brands of
their scope: brand-wide roles directly, store roles through their stores' brand."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from omniretail.core.models import Store

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
        cat = categories(scope).filter(pk=category_id).first()
        if cat is None:
            return qs.none()
        qs = qs.filter(product__category__path__startswith=cat.path)
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
