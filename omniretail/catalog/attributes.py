"""Typed attributes: the set a category asks for, validation on save, filtering.

A category's attribute set is its own links plus every ancestor's (liquor → baijiu inherits
ABV and volume), read from the materialized path in one query.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from omniretail.core.errors import ValidationFailed

from .errors import CatalogError
from .models import (
    AttributeDefinition,
    AttributeType,
    Category,
    CategoryAttribute,
    SkuAttributeValue,
)


def ancestor_ids(category: Category) -> list[int]:
    """Ids from the root down to ``category`` itself, read from its path."""
    return [int(part) for part in category.path.split("/") if part]


def attribute_set(category: Category) -> list[CategoryAttribute]:
    links = (
        CategoryAttribute.objects.filter(category_id__in=ancestor_ids(category))
        .select_related("attribute", "category")
        .order_by("category__depth", "sort_order", "pk")
    )
    seen: dict[int, CategoryAttribute] = {}
    for link in links:
        seen[link.attribute_id] = link  # deeper categories override "required"
    return list(seen.values())


def _bad(code: str, message: str, value: Any = None) -> ValidationFailed:
    return ValidationFailed(
        CatalogError.INVALID_ATTRIBUTE_VALUE,
        message,
        {"attribute": code, "value": str(value)[:100] if value is not None else None},
    )


def clean_value(attr: AttributeDefinition, value: Any) -> Any:
    """The canonical JSON value of ``value`` for ``attr`` (numbers as decimal strings, so no
    float ever enters the catalog)."""
    if attr.type == AttributeType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "是"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "no", "0", "否"}:
            return False
        raise _bad(attr.code, _("%(attr)s must be yes or no.") % {"attr": attr.name}, value)
    if attr.type == AttributeType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
            raise _bad(attr.code, _("%(attr)s must be a number.") % {"attr": attr.name}, value)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise _bad(
                attr.code, _("%(attr)s must be a number.") % {"attr": attr.name}, value
            ) from exc
        if not number.is_finite() or abs(number) >= Decimal("1e11"):
            raise _bad(attr.code, _("%(attr)s must be a number.") % {"attr": attr.name}, value)
        if attr.min_value is not None and number < attr.min_value:
            raise _bad(attr.code, _("%(attr)s is below its minimum.") % {"attr": attr.name}, value)
        if attr.max_value is not None and number > attr.max_value:
            raise _bad(attr.code, _("%(attr)s is above its maximum.") % {"attr": attr.name}, value)
        number = number.quantize(Decimal("0.001")).normalize()
        return format(number, "f")
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise _bad(attr.code, _("%(attr)s must be text.") % {"attr": attr.name}, value)
    text = str(value).strip()
    if not text or len(text) > 200:
        raise _bad(attr.code, _("%(attr)s must be 1–200 characters.") % {"attr": attr.name}, value)
    if attr.type == AttributeType.ENUM and text not in attr.choices:
        raise _bad(
            attr.code,
            _("%(attr)s must be one of: %(choices)s.")
            % {"attr": attr.name, "choices": ", ".join(map(str, attr.choices))},
            value,
        )
    return text


def validate_attributes(
    category: Category, values: dict[str, Any], links_: list[CategoryAttribute] | None = None
) -> dict[str, Any]:
    """Check ``values`` against the category's attribute set; return the cleaned dict.

    Unknown codes, wrong types and missing required attributes are refused with the
    attribute named in ``details``, so a form or import row can point at the field.
    """
    links = {
        link.attribute.code: link
        for link in (links_ if links_ is not None else attribute_set(category))
    }
    unknown = sorted(set(values) - set(links))
    if unknown:
        raise ValidationFailed(
            CatalogError.UNKNOWN_ATTRIBUTE,
            _("Attribute %(code)s is not part of this category's attribute set.")
            % {"code": unknown[0][:40]},
            {"attribute": unknown[0][:40], "allowed": sorted(links)},
        )
    cleaned: dict[str, Any] = {}
    for code, link in links.items():
        raw = values.get(code)
        if raw is None or raw == "":
            if link.required:
                raise ValidationFailed(
                    CatalogError.MISSING_ATTRIBUTE,
                    _("%(attr)s is required in this category.") % {"attr": link.attribute.name},
                    {"attribute": code},
                )
            continue
        cleaned[code] = clean_value(link.attribute, raw)
    return cleaned


def value_rows(
    sku_id: int, cleaned: dict[str, Any], by_code: dict[str, AttributeDefinition]
) -> list[SkuAttributeValue]:
    rows = []
    for code, value in cleaned.items():
        attr = by_code[code]
        number = Decimal(value) if attr.type == AttributeType.NUMBER else None
        text = (
            ""
            if number is not None
            else (str(value).lower() if isinstance(value, bool) else str(value))
        )
        rows.append(
            SkuAttributeValue(sku_id=sku_id, attribute=attr, value_text=text, value_number=number)
        )
    return rows


def write_values(sku_id: int, cleaned: dict[str, Any]) -> None:
    """Replace the indexed value rows of one SKU (called inside the service's transaction)."""
    by_code = {a.code: a for a in AttributeDefinition.objects.filter(code__in=list(cleaned))}
    SkuAttributeValue.objects.filter(sku_id=sku_id).delete()
    SkuAttributeValue.objects.bulk_create(value_rows(sku_id, cleaned, by_code))


def parse_filter(expr: str) -> tuple[str, str, str | None]:
    """``abv=53`` → (abv, 53, None); ``volume_ml=300..600`` → (volume_ml, 300, 600)."""
    code, sep, value = expr.partition("=")
    if not sep or not code.strip():
        raise ValidationFailed(
            CatalogError.UNKNOWN_ATTRIBUTE,
            _("Attribute filters look like code=value or code=min..max."),
            {"filter": expr[:100]},
        )
    lo, dots, hi = value.partition("..")
    return code.strip(), lo.strip(), hi.strip() if dots else None


def filter_skus(qs: QuerySet[Any], filters: list[str]) -> QuerySet[Any]:
    """Narrow a SKU queryset by attribute values (each filter one indexed subquery)."""
    for expr in filters:
        code, lo, hi = parse_filter(expr)
        attr = AttributeDefinition.objects.filter(code=code[:40]).first()
        if attr is None:
            raise ValidationFailed(
                CatalogError.UNKNOWN_ATTRIBUTE,
                _("Unknown attribute %(code)s.") % {"code": code[:40]},
                {"attribute": code[:40]},
            )
        rows = SkuAttributeValue.objects.filter(attribute=attr)
        if attr.type == AttributeType.NUMBER:
            try:
                if hi is not None:
                    if lo:
                        rows = rows.filter(value_number__gte=Decimal(lo))
                    if hi:
                        rows = rows.filter(value_number__lte=Decimal(hi))
                else:
                    rows = rows.filter(value_number=Decimal(lo))
            except InvalidOperation as exc:
                raise _bad(code, _("%(attr)s must be a number.") % {"attr": attr.name}, lo) from exc
        else:
            rows = rows.filter(value_text=lo.lower() if attr.type == AttributeType.BOOLEAN else lo)
        qs = qs.filter(pk__in=rows.values("sku_id"))
    return qs
