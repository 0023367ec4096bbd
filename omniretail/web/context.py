"""Navigation shown to each user: only the areas their permissions open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import has_perm

# (label, url name, permission) — domains append their pages here as they land.
NAV_ITEMS: list[tuple[Any, str, Perm | None]] = [
    (_("Home"), "web:home", None),
    (_("POS"), "pos:index", Perm.POS_OPERATE),
    (_("Products"), "catalog:product_list", Perm.CATALOG_VIEW),
    (_("Stock"), "inventory:stock_overview", Perm.INVENTORY_VIEW),
    (_("Transfers"), "inventory:transfer_list", Perm.INVENTORY_TRANSFER),
    (_("Counts"), "inventory:count_list", Perm.INVENTORY_COUNT),
    (_("Stock alerts"), "inventory:alert_list", Perm.INVENTORY_VIEW),
    (_("Orders"), "orders:order_list", Perm.ORDERS_VIEW),
    (_("Members"), "members:lookup", Perm.MEMBERS_VIEW),
    (_("Promotions"), "promotions:promotion_list", Perm.PROMOTIONS_VIEW),
    (_("Dashboards"), "analytics:dashboard", Perm.ANALYTICS_VIEW),
    (_("Risk review"), "payments:risk_queue", Perm.RISK_REVIEW),
    (_("Reconciliation"), "payments:reconciliation", Perm.PAYMENTS_RECONCILE),
    (_("Dispatch board"), "orders:dispatch_board", Perm.ORDERS_FULFIL),
    (_("Audit log"), "web:audit", Perm.AUDIT_VIEW),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, perm in NAV_ITEMS:
        if perm is not None and not has_perm(user, perm):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items}
