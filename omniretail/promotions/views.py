"""Back-office pages: the promotion list (calendar order) and a "try a cart" preview.

The preview calls the same selectors and engine as ``POST /price-cart``; with HTMX only the
result panel is swapped.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core import clock
from omniretail.core.errors import DomainError
from omniretail.core.models import Store

from . import coupons, selectors
from .engine import price_cart
from .models import CouponTemplate


def _scope(request: HttpRequest, perm: Perm) -> Any:
    scope = resolve_scope(request.user, perm)
    if scope.empty:
        raise Http404
    return scope


@login_required
def promotion_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.PROMOTIONS_VIEW)
    status = (request.GET.get("status") or "").strip()[:10]
    qs = selectors.promotions(scope).order_by("starts_at", "pk")
    if status:
        qs = qs.filter(status=status)
    templates = CouponTemplate.objects.filter(brand_id__in=selectors.brand_ids(scope))
    return render(
        request,
        "promotions/promotion_list.html",
        {"promotions": qs[:300], "templates": templates[:50], "status": status, "now": clock.now()},
    )


def _parse_lines(text: str) -> list[tuple[int, int]]:
    """ "sku_id x qty" per line (or comma-separated); bad lines are reported, not guessed."""
    items = []
    for raw in text.replace(",", "\n").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        sku, _sep, qty = raw.lower().partition("x")
        items.append((int(sku.strip()), int(qty.strip() or 1)))
    return items[:200]


@login_required
def try_cart(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.PROMOTIONS_PRICE_CART)
    stores = Store.objects.filter(brand_id__in=selectors.brand_ids(scope)).order_by("code")
    if not scope.brand_ids:
        stores = stores.filter(pk__in=scope.store_ids)
    ctx: dict[str, Any] = {"stores": stores, "form": request.POST or {}}
    if request.method == "POST":
        try:
            store = stores.filter(pk=int(request.POST.get("store") or 0)).first()
            if store is None:
                raise Http404
            items = _parse_lines(request.POST.get("lines", ""))
            channel = request.POST.get("channel") or "pos"
            if channel not in ("pos", "online", "marketplace"):
                channel = "pos"
            member_id = int(request.POST["member"]) if request.POST.get("member") else None
            codes = [c for c in (request.POST.get("coupons") or "").split() if c][:5]
            at = clock.now()
            defs = coupons.resolve_coupons(
                store.brand_id, codes, channel=channel, member_id=member_id, at=at
            )
            cart = selectors.build_cart(
                store.brand_id,
                items,
                channel=channel,
                store=store,
                at=at,
                member_id=member_id,
                coupons=defs,
            )
            ctx["result"] = price_cart(cart, selectors.active_promotions(store.brand_id, at))
        except DomainError as exc:
            ctx["error"] = f"{exc.message} ({exc.code})"
        except ValueError:
            ctx["error"] = _("Write one line per item: SKU id x quantity (e.g. 12 x 2).")
    template = "promotions/_cart_result.html" if request.htmx else "promotions/try_cart.html"  # type: ignore[attr-defined]
    return render(request, template, ctx)
