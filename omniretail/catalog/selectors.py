"""Catalog reads. The catalog belongs to a brand (the chain); a caller sees the brands of
their scope: brand-wide roles directly, store roles through their stores' brand."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from omniretail.accounts.scope import scope_version
from omniretail.core.errors import ValidationFailed
from omniretail.core.models import Store

from .errors import CatalogError
from .models import Category, Product, ProductBrand, Sku, Tag

_store_brands: dict[frozenset[int], tuple[Any, frozenset[int]]] = {}


def visible_brand_ids(scope: Any) -> set[int]:
    ids = set(scope.brand_ids)
    if scope.store_ids:
        ids |= _brands_of_stores(scope.store_ids)
    return ids


def _brands_of_stores(store_ids: frozenset[int]) -> frozenset[int]:
    """The brands of a scope's stores, cached under the access version (a store saved or
    deleted moves it): an HQ scope holds a thousand stores, and every list asks."""
    version = scope_version()
    hit = _store_brands.get(store_ids)
    if hit is not None and hit[0] == version:
        return hit[1]
    brands = frozenset(Store.objects.filter(pk__in=store_ids).values_list("brand_id", flat=True))
    if len(_store_brands) > 1_000:
        _store_brands.clear()
    _store_brands[store_ids] = (version, brands)
    return brands


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
        # The subtree's ids (a handful) instead of a join on the path.
        ids = list(subtree(cat).values_list("pk", flat=True))
        brands = visible_brand_ids(scope)
        if connection.vendor == "sqlite" and _is_large_share(ids, brands):
            # A big share of the catalog (白酒 is a seventh of it): walk the sort index and
            # look each row's product up by primary key — a page reads about limit / share
            # rows. The product is read in correlated subqueries rather than joined, so the
            # SKU table is the only one the planner can start from: with a join SQLite may
            # scan every product and sort the category's SKUs instead (seen for small page
            # sizes). PostgreSQL keeps the join: its statistics know the category's share and
            # it walks the sort index with a nested loop by itself, while the subquery form's
            # cost estimate sets off JIT compilation (≈ 0.4 s per query).
            of_product = Product.objects.filter(pk=OuterRef("product_id"))
            qs = (
                Sku.objects.alias(
                    _brand=Subquery(of_product.values("brand_id")[:1]),
                    _category=Subquery(of_product.values("category_id")[:1]),
                )
                .filter(_brand__in=brands)
                .filter(_category__in=ids)
            )
        else:
            # A small category (SQLite): its SKUs through the category index, sorted — a few
            # thousand rows at most, whatever the page.
            qs = qs.filter(product__category_id__in=ids)
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


LARGE_SHARE = 0.05
LARGE_SHARE_MIN_PRODUCTS = 2_000
_brand_products: dict[frozenset[int], tuple[float, int]] = {}
_BRAND_PRODUCTS_TTL_S = 300.0


def _is_large_share(category_ids: list[int], brand_ids: set[int]) -> bool:
    """Whether these categories hold at least ``LARGE_SHARE`` of the brands' products: one
    index-only count of the categories' products (a few ms even for the largest) against the
    brands' total, which is counted once per process every few minutes (it only steers the
    plan; a stale total costs speed, never correctness)."""
    if not category_ids or not brand_ids:
        return False
    key = frozenset(brand_ids)
    tick = time.monotonic()
    hit = _brand_products.get(key)
    if hit is None or tick - hit[0] > _BRAND_PRODUCTS_TTL_S:
        hit = (tick, Product.objects.filter(brand_id__in=key).count())
        _brand_products[key] = hit
    if hit[1] < LARGE_SHARE_MIN_PRODUCTS:
        return False  # a small catalog: either plan is instant
    in_categories = Product.objects.filter(category_id__in=category_ids).count()
    return in_categories >= LARGE_SHARE * hit[1]


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
