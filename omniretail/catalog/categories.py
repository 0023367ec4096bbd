"""Category tree writes: create, move, merge, reorder.

The tree is a materialized path of zero-padded ids ("000001/000007/"), so a move rewrites the
prefix of its subtree and a cycle is simply "the new parent's path starts with mine".
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from omniretail.core import audit, events
from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.models import Brand

from .errors import CatalogError
from .models import Category, CategoryAttribute, Product, SaleRestriction


def _segment(pk: int) -> str:
    return f"{pk:06d}/"


@transaction.atomic
def create_category(
    brand: Brand,
    *,
    code: str,
    name: str,
    name_en: str = "",
    parent: Category | None = None,
    sort_order: int = 0,
    near_expiry_days: int | None = None,
) -> Category:
    if parent is not None and parent.brand_id != brand.pk:
        raise ValidationFailed(
            CatalogError.CATEGORY_BRAND_MISMATCH, _("The parent category belongs to another brand.")
        )
    if Category.objects.filter(brand=brand, code=code).exists():
        raise Conflict(
            CatalogError.DUPLICATE_CODE,
            _("Category code %(code)s is already used.") % {"code": code},
            {"field": "code", "code": code},
        )
    cat = Category.objects.create(
        brand=brand,
        parent=parent,
        code=code,
        name=name,
        name_en=name_en,
        sort_order=sort_order,
        near_expiry_days=near_expiry_days,
        path="",
        depth=(parent.depth + 1) if parent else 0,
    )
    cat.path = (parent.path if parent else "") + _segment(cat.pk)
    cat.save(update_fields=["path"])
    audit.record(
        "catalog.category.create", cat, changes={"code": code, "name": name}, brand_id=brand.pk
    )
    return cat


@transaction.atomic
def move_category(category: Category, new_parent: Category | None) -> Category:
    """Re-hang ``category`` (with its subtree) under ``new_parent`` (None = root)."""
    category = Category.objects.select_for_update().get(pk=category.pk)
    if new_parent is not None:
        new_parent = Category.objects.get(pk=new_parent.pk)
        if new_parent.brand_id != category.brand_id:
            raise ValidationFailed(
                CatalogError.CATEGORY_BRAND_MISMATCH,
                _("The parent category belongs to another brand."),
            )
        if new_parent.path.startswith(category.path):
            raise ValidationFailed(
                CatalogError.CATEGORY_CYCLE,
                _("A category cannot move under itself or its own subcategory."),
                {"category_id": category.pk, "parent_id": new_parent.pk},
            )
    old_path, old_depth = category.path, category.depth
    new_path = (new_parent.path if new_parent else "") + _segment(category.pk)
    shift = ((new_parent.depth + 1) if new_parent else 0) - old_depth
    Category.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1, Length(F("path")))),
        depth=F("depth") + shift,
    )
    Category.objects.filter(pk=category.pk).update(parent=new_parent)
    category.refresh_from_db()
    audit.record(
        "catalog.category.move",
        category,
        changes={
            "parent_id": [None, new_parent.pk if new_parent else None],
            "path": [old_path, new_path],
        },
        brand_id=category.brand_id,
    )
    events.publish(
        "catalog.category.moved",
        {"category_id": category.pk, "path": category.path},
        aggregate_type="catalog.category",
        aggregate_id=category.pk,
    )
    return category


@transaction.atomic
def merge_category(source: Category, target: Category) -> Category:
    """Move everything of ``source`` (products, children, rules, attribute links) into
    ``target`` and delete ``source``."""
    if source.pk == target.pk or target.path.startswith(source.path):
        raise ValidationFailed(
            CatalogError.CATEGORY_CYCLE,
            _("A category cannot be merged into itself or its own subcategory."),
            {"category_id": source.pk, "target_id": target.pk},
        )
    if source.brand_id != target.brand_id:
        raise ValidationFailed(
            CatalogError.CATEGORY_BRAND_MISMATCH, _("The categories belong to different brands.")
        )
    for child in list(Category.objects.filter(parent=source)):
        move_category(child, target)
    moved = Product.objects.filter(category=source).update(category=target)
    SaleRestriction.objects.filter(category=source).update(category=target)
    existing = set(
        CategoryAttribute.objects.filter(category=target).values_list("attribute_id", flat=True)
    )
    CategoryAttribute.objects.filter(category=source).exclude(attribute_id__in=existing).update(
        category=target
    )
    CategoryAttribute.objects.filter(category=source).delete()
    audit.record(
        "catalog.category.merge",
        target,
        changes={"merged": source.code, "products_moved": moved},
        brand_id=target.brand_id,
    )
    source.delete()
    return target


@transaction.atomic
def reorder_children(parent: Category | None, brand: Brand, ordered_ids: list[int]) -> None:
    """Set ``sort_order`` of siblings to the given order; ids must be exactly the children."""
    siblings = Category.objects.filter(brand=brand, parent=parent)
    current = set(siblings.values_list("pk", flat=True))
    if set(ordered_ids) != current or len(ordered_ids) != len(current):
        raise ValidationFailed(
            CatalogError.INVALID_ORDER,
            _("The order must list every subcategory exactly once."),
            {"expected": sorted(current)},
        )
    for position, pk in enumerate(ordered_ids):
        Category.objects.filter(pk=pk).update(sort_order=position * 10)
