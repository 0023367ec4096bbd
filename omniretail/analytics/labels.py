"""Human labels for dimension keys (store id → store name …), in the page's language.

These read reference data (organisation, catalog, tiers), not transactions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

WEEKDAYS = {
    1: _("Mon"),
    2: _("Tue"),
    3: _("Wed"),
    4: _("Thu"),
    5: _("Fri"),
    6: _("Sat"),
    7: _("Sun"),
}


def _en() -> bool:
    return (get_language() or "").startswith("en")


def _name(name: str, name_en: str) -> str:
    return name_en if name_en and _en() else name


def labels(by: str | None, keys: Iterable[Any]) -> dict[Any, str]:
    keys = [k for k in keys if k is not None]
    out: dict[Any, str] = {}
    if by == "store":
        from omniretail.core.models import Store

        for pk, code, name, name_en in Store.objects.filter(pk__in=keys).values_list(
            "pk", "code", "name", "name_en"
        ):
            out[pk] = f"{code} {_name(name, name_en)}"
    elif by == "region":
        from omniretail.core.models import Region

        for pk, name, name_en in Region.objects.filter(pk__in=keys).values_list(
            "pk", "name", "name_en"
        ):
            out[pk] = _name(name, name_en)
    elif by == "brand":
        from omniretail.core.models import Brand

        for pk, name, name_en in Brand.objects.filter(pk__in=keys).values_list(
            "pk", "name", "name_en"
        ):
            out[pk] = _name(name, name_en)
    elif by == "category":
        from omniretail.catalog.models import Category

        for pk, name, name_en in Category.objects.filter(pk__in=keys).values_list(
            "pk", "name", "name_en"
        ):
            out[pk] = _name(name, name_en)
    elif by == "sku":
        from omniretail.catalog.models import Sku

        for pk, code, name, name_en in Sku.objects.filter(pk__in=keys).values_list(
            "pk", "code", "name", "name_en"
        ):
            out[pk] = f"{code} {_name(name, name_en)}"
    elif by == "channel":
        from omniretail.orders.models import OrderChannel

        choices = dict(OrderChannel.choices)
        out = {k: str(choices.get(k, k)) for k in keys}
    elif by == "weekday":
        out = {k: str(WEEKDAYS.get(int(k), k)) for k in keys}
    elif by == "hour":
        out = {k: f"{int(k):02d}:00" for k in keys}
    elif by == "member_tier":
        from omniretail.members.models import Tier

        names = {
            code: _name(name, name_en)
            for code, name, name_en in Tier.objects.filter(code__in=keys).values_list(
                "code", "name", "name_en"
            )
        }
        out = {k: names.get(k, k) for k in keys}
    else:
        out = {k: str(k) for k in keys}
    return out


def label_for(by: str | None, key: Any, table: dict[Any, str]) -> str:
    if key is None:
        return str(_("Non-members")) if by == "member_tier" else str(_("(none)"))
    return table.get(key, str(key))
