"""Back-office pages: the promotion list, a "try a cart" preview, the month calendar with
conflicts, and campaigns with their results charts.

The preview calls the same selectors and engine as ``POST /price-cart``; with HTMX only the
result panel is swapped.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core import clock
from omniretail.core.errors import DomainError, ValidationFailed
from omniretail.core.models import Store
from omniretail.web.views import ECHARTS_PATH, echarts_available

from . import calendar, campaign_results, coupons, selectors, services
from .engine import price_cart
from .errors import PromotionError
from .models import Campaign, CouponTemplate, Promotion, Segment, Status


def _scope(request: HttpRequest, perm: Perm) -> Any:
    scope = resolve_scope(request.user, perm)
    if scope.empty:
        raise Http404
    return scope


def _can_manage(request: HttpRequest) -> bool:
    return not resolve_scope(request.user, Perm.PROMOTIONS_MANAGE).empty


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


def _stores(scope: Any) -> Any:
    stores = Store.objects.filter(brand_id__in=selectors.brand_ids(scope)).order_by("code")
    if not scope.brand_ids:
        stores = stores.filter(pk__in=scope.store_ids)
    return stores


@login_required
def try_cart(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.PROMOTIONS_PRICE_CART)
    stores = _stores(scope)
    ctx: dict[str, Any] = {"stores": stores, "form": request.POST or {}}
    if request.method == "POST":
        _price_form(request, stores, ctx)
    template = "promotions/_cart_result.html" if request.htmx else "promotions/try_cart.html"  # type: ignore[attr-defined]
    return render(request, template, ctx)


def _price_form(request: HttpRequest, stores: Any, ctx: dict[str, Any], draft: Any = None) -> None:
    """Price the posted cart into ``ctx`` ("result" or "error"); with ``draft`` (an unsaved
    promotion) the draft replaces its saved version among the active promotions."""
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
        coupon_defs = coupons.resolve_coupons(
            store.brand_id, codes, channel=channel, member_id=member_id, at=at
        )
        cart = selectors.build_cart(
            store.brand_id,
            items,
            channel=channel,
            store=store,
            at=at,
            member_id=member_id,
            coupons=coupon_defs,
        )
        defs = selectors.active_promotions(store.brand_id, at)
        if draft is not None:
            defs = [d for d in defs if d.id != draft.pk] + [selectors.promotion_def(draft)]
        ctx["result"] = price_cart(cart, defs)
    except DomainError as exc:
        ctx["error"] = f"{exc.message} ({exc.code})"
    except ValueError:
        ctx["error"] = _("Write one line per item: SKU id x quantity (e.g. 12 x 2).")


def _draft_from(promo: Promotion, post: Any) -> tuple[Promotion, dict[str, Any]]:
    """An unsaved copy of ``promo`` with the posted edits, validated like a save would be."""
    changes: dict[str, Any] = {}
    for name in ("name", "exclusive_group"):
        if name in post:
            changes[name] = post.get(name, "").strip()[:120]
    if post.get("priority", "").strip():
        changes["priority"] = int(post["priority"])
    if post.get("status") in Status.values:
        changes["status"] = post["status"]
    changes["stackable"] = post.get("stackable") == "on"
    changes["best_for_customer"] = post.get("best_for_customer") == "on"
    for name in ("params", "scope"):
        raw = post.get(name, "").strip()
        if raw:
            try:
                changes[name] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValidationFailed(
                    PromotionError.INVALID_PARAMS,
                    _("%(field)s is not valid JSON.") % {"field": name},
                    {"field": name},
                ) from exc
    draft = copy.copy(promo)
    for k, v in changes.items():
        setattr(draft, k, v)
    draft.params = services.validate_params(draft.kind, draft.params)
    draft.scope = services.validate_scope(promo.brand, draft.scope)
    return draft, changes


@login_required
def promotion_edit(request: HttpRequest, promotion_id: int) -> HttpResponse:
    """Edit a promotion with a live "try a cart" preview of the unsaved edits."""
    scope = _scope(request, Perm.PROMOTIONS_MANAGE)
    promo = selectors.promotions(scope).filter(pk=promotion_id).first()
    if promo is None:
        raise Http404
    stores = _stores(scope)
    ctx: dict[str, Any] = {
        "promo": promo,
        "stores": stores,
        "form": request.POST or {},
        "params_json": json.dumps(promo.params, ensure_ascii=False, indent=1),
        "scope_json": json.dumps(promo.scope, ensure_ascii=False, indent=1),
        "statuses": Status.choices,
    }
    if request.method == "POST":
        ctx["params_json"] = request.POST.get("params", ctx["params_json"])
        ctx["scope_json"] = request.POST.get("scope", ctx["scope_json"])
        try:
            draft, changes = _draft_from(promo, request.POST)
            if request.POST.get("action") == "save":
                services.update_promotion(promo, **changes)
                ctx["saved"] = True
            else:
                _price_form(request, stores, ctx, draft=draft)
        except DomainError as exc:
            ctx["error"] = f"{exc.message} ({exc.code})"
        except ValueError:
            ctx["error"] = _("Priority is a whole number.")
        if request.htmx and request.POST.get("action") != "save":  # type: ignore[attr-defined]
            return render(request, "promotions/_cart_result.html", ctx)
    return render(request, "promotions/promotion_edit.html", ctx)


# --- Campaigns and the calendar --------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.PROMOTIONS_VIEW)
    ids = selectors.brand_ids(scope)
    return render(
        request,
        "promotions/campaign_list.html",
        {
            "campaigns": Campaign.objects.filter(brand_id__in=ids)
            .select_related("segment")
            .order_by("-starts_at", "pk")[:200],
            "segments": Segment.objects.filter(brand_id__in=ids).order_by("code")[:200],
            "can_manage": _can_manage(request),
        },
    )


def _money(value: Any) -> float:
    return float(value)


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    scope = _scope(request, Perm.PROMOTIONS_VIEW)
    campaign = (
        Campaign.objects.filter(pk=campaign_id, brand_id__in=selectors.brand_ids(scope))
        .select_related("segment")
        .first()
    )
    if campaign is None:
        raise Http404
    r = campaign_results.results(campaign)
    treatment, control = str(_("Treatment")), str(_("Control (holdout)"))
    spend_chart = {
        "type": "bar",
        "labels": [str(_("Spend per member")), str(_("Conversion %"))],
        "series": [
            {
                "name": treatment,
                "values": [
                    _money(r.treatment.spend_per_member),
                    _money(r.treatment.conversion_pct),
                ],
            },
            {
                "name": control,
                "values": [_money(r.control.spend_per_member), _money(r.control.conversion_pct)],
            },
        ],
    }
    daily_chart = {
        "type": "line",
        "labels": [d["day"] for d in r.daily],
        "series": [
            {"name": treatment, "values": [_money(d["treatment"]) for d in r.daily]},
            {"name": control, "values": [_money(d["control"]) for d in r.daily]},
        ],
    }
    value_chart = {
        "type": "bar",
        "labels": [str(_("Incremental revenue")), str(_("Cost")), str(_("Budget"))],
        "series": [
            {
                "name": str(_("CNY")),
                "values": [
                    _money(r.incremental_revenue),
                    _money(r.cost),
                    _money(r.budget),
                ],
            }
        ],
    }
    return render(
        request,
        "promotions/campaign_detail.html",
        {
            "campaign": campaign,
            "r": r,
            "holdout_pct": campaign.holdout_bp / 100,
            "spend_chart": spend_chart,
            "daily_chart": daily_chart,
            "value_chart": value_chart,
            "promotions": campaign.promotions.order_by("pk"),
            "templates": campaign.coupon_templates.order_by("pk"),
            "can_manage": _can_manage(request),
            "echarts_available": echarts_available(),
            "echarts_url": static(ECHARTS_PATH),
        },
    )


@login_required
def promotion_calendar(request: HttpRequest) -> HttpResponse:
    scope = _scope(request, Perm.PROMOTIONS_VIEW)
    year, month = calendar.parse_month(request.GET.get("month"))
    first = dt.date(year, month, 1)
    prev_month = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    next_month = (first + dt.timedelta(days=32)).strftime("%Y-%m")
    grid = calendar.month_grid(selectors.brand_ids(scope), year, month)
    return render(
        request,
        "promotions/calendar.html",
        {
            "grid": grid,
            "month": first,
            "prev_month": prev_month,
            "next_month": next_month,
            "conflict_days": sum(1 for week in grid for c in week if c.in_month and c.conflicts),
        },
    )
