"""Storefront pages (server-rendered, thin, mobile-first): choose a store, browse, cart,
checkout and pay, the pickup code; the shopper's login, registration and account.

Every write goes through a service (storefront.services, members.online/privacy/identity);
domain errors are shown on the page they came from, never as a 500.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core.errors import DomainError
from omniretail.core.models import Brand
from omniretail.core.money import from_fen, to_fen
from omniretail.members import conf as member_conf
from omniretail.members import crypto, online, points, privacy
from omniretail.members import selectors as member_selectors
from omniretail.members.identity import set_consent
from omniretail.members.models import ConsentPurpose, Member, PointsEntry
from omniretail.orders import pickup
from omniretail.orders.models import Order
from omniretail.payments.providers.points import points_per_yuan

from . import cart, selectors, services

shop_login_required = login_required(login_url=reverse_lazy("storefront:login"))


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _member(request: HttpRequest) -> Member | None:
    if not request.user.is_authenticated:
        return None
    try:
        return member_selectors.linked_member(
            request.user, resolve_scope(request.user, Perm.MEMBERS_SELF)
        )
    except DomainError:
        return None


def _store(request: HttpRequest) -> Any:
    return selectors.online_store(cart.store_id(request.session))


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    store = context.get("store") or _store(request)
    context.setdefault("store", store)
    context.setdefault(
        "store_name", selectors.localised(store.name, store.name_en) if store else ""
    )
    context.setdefault("cart_count", cart.count(request.session))
    context.setdefault("shopper", _member(request))
    return render(request, f"storefront/{template}", context)


def _qr_svg(payload: str, scale: int = 4) -> str:
    return str(segno.make(payload, error="m").svg_inline(scale=scale, dark="#111"))


# --- Store and catalog ----------------------------------------------------------------------


def stores(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "id": s.pk,
            "name": selectors.localised(s.name, s.name_en),
            "city": s.city,
            "address": s.address,
            "hours": (s.opens_at, s.closes_at),
        }
        for s in selectors.online_stores()
    ]
    return _page(request, "stores.html", {"stores": rows})


@require_POST
def choose_store(request: HttpRequest) -> HttpResponse:
    store = selectors.online_store(request.POST.get("store"))
    if store is None:
        messages.error(request, _("This store does not take online orders."))
        return redirect("storefront:stores")
    cart.set_store(request.session, store.pk)
    return redirect("storefront:index")


def index(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    if store is None:
        return redirect("storefront:stores")
    q = request.GET.get("q", "").strip()[:100]
    category = _int(request.GET.get("c")) or None
    page = max(_int(request.GET.get("page"), 1), 1)
    items, has_next = selectors.assortment(store, q=q, category_id=category, page=page)
    return _page(
        request,
        "catalog.html",
        {
            "store": store,
            "items": items,
            "q": q,
            "category": category,
            "categories": selectors.top_categories(store.brand_id),
            "page": page,
            "has_next": has_next,
        },
    )


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    sku_id = _int(request.POST.get("sku"))
    item = selectors.item(store, sku_id) if store else None
    if item is None:
        messages.error(request, _("This item cannot be bought online."))
    elif not item.in_stock:
        messages.error(request, _("Sorry, this item is out of stock in this store."))
    else:
        cart.add(request.session, sku_id, max(_int(request.POST.get("qty"), 1), 1))
        messages.success(request, _("Added to cart: %(name)s") % {"name": item.name})
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/shop/") else reverse("storefront:index"))


def _cart_view(request: HttpRequest, store: Any, member: Member | None) -> Any:
    code = cart.coupon(request.session)
    view = selectors.cart_view(
        store,
        cart.items(request.session),
        member_id=member.pk if member else None,
        coupon=code if services.coupons_supported() else "",
    )
    if code and not services.coupons_supported():
        view.coupon_error = _("Coupons cannot be redeemed online yet; show this one at the till.")
    return view


def cart_page(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    if store is None:
        return redirect("storefront:stores")
    member = _member(request)
    return _page(
        request,
        "cart.html",
        {
            "store": store,
            "view": _cart_view(request, store, member),
            "coupon": cart.coupon(request.session),
        },
    )


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    if "coupon" in request.POST:
        cart.set_coupon(request.session, request.POST.get("coupon", ""))
    for key, value in request.POST.items():
        if key.startswith("qty-") and key[4:].isdigit():
            cart.set_quantity(request.session, int(key[4:]), _int(value, 1))
    remove = _int(request.POST.get("remove"))
    if remove:
        cart.set_quantity(request.session, remove, 0)
    return redirect("storefront:cart")


# --- Checkout and payment -------------------------------------------------------------------


@shop_login_required
def checkout(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    if store is None:
        return redirect("storefront:stores")
    member = _member(request)
    if member is None or member.brand_id != store.brand_id:
        messages.error(request, _("Online orders need a membership: please register first."))
        return redirect("storefront:account")
    view = _cart_view(request, store, member)
    if request.method == "POST" and view.ok:
        try:
            order = services.place_online_order(
                store=store,
                member=member,
                items=cart.items(request.session),
                token=request.POST.get("token", ""),
                coupon=cart.coupon(request.session) if not view.coupon_error else "",
            )
            order = services.pay_online_order(
                order,
                member,
                points=max(_int(request.POST.get("points")), 0),
                wallet=request.POST.get("wallet", "wechat"),
                token=request.POST.get("token", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("storefront:checkout")
        cart.clear(request.session)
        if services.pending_wallet_payment(order) is not None:
            return redirect("storefront:pay", number=order.number)
        return redirect("storefront:order", number=order.number)
    available = points.available(member)
    return _page(
        request,
        "checkout.html",
        {
            "store": store,
            "view": view,
            "token": secrets.token_urlsafe(16),
            "available_points": available,
            "max_points": min(available, to_fen(view.total) * points_per_yuan() // 100),
            "points_per_yuan": points_per_yuan(),
            "wallets": services.WALLETS,
        },
    )


def _my_order(request: HttpRequest, number: str) -> tuple[Order, Member]:
    member = _member(request)
    order = (
        Order.objects.select_related("store")
        .filter(number=number[:64], member_id=member.pk)
        .first()
        if member
        else None
    )
    if order is None or member is None:
        raise Http404
    return order, member


@shop_login_required
def pay(request: HttpRequest, number: str) -> HttpResponse:
    """The sandbox wallet: what the shopper's phone shows after the order asks for payment."""
    order, member = _my_order(request, number)
    if request.method == "POST":
        try:
            services.confirm_sandbox_payment(order, member)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("storefront:pay", number=order.number)
        return redirect("storefront:order", number=order.number)
    payment = services.pending_wallet_payment(order)
    if payment is None:
        return redirect("storefront:order", number=order.number)
    return _page(request, "pay.html", {"order": order, "payment": payment})


@shop_login_required
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    order, _member_row = _my_order(request, number)
    show_code = bool(order.pickup_code) and order.status not in ("awaiting_payment", "cancelled")
    return _page(
        request,
        "order.html",
        {
            "order": order,
            "lines": selectors.order_lines(order),
            "show_code": show_code,
            "qr": _qr_svg(pickup.qr_payload(order)) if show_code else "",
            "waiting": services.pending_wallet_payment(order) is not None,
        },
    )


# --- Login, registration, account -----------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "storefront/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("storefront:account")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        store = _store(self.request)
        context.update(
            store=store,
            store_name=selectors.localised(store.name, store.name_en) if store else "",
            cart_count=cart.count(self.request.session),
            shopper=None,
        )
        return context


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    store_pk = cart.store_id(request.session)
    auth_logout(request)
    if store_pk:
        cart.set_store(request.session, store_pk)
    return redirect("storefront:index")


def _brand_for(request: HttpRequest) -> Brand | None:
    store = _store(request)
    if store is not None:
        return store.brand
    first = selectors.online_stores()
    return first[0].brand if first else Brand.objects.order_by("pk").first()


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and _member(request) is not None:
        return redirect("storefront:account")
    form: dict[str, Any] = {"consents": {}}
    if request.method == "POST":
        form = {
            "username": request.POST.get("username", "")[:150],
            "member_code": request.POST.get("member_code", "")[:20],
            "consents": {p: request.POST.get(p) == "on" for p in ConsentPurpose.values},
        }
        brand = _brand_for(request)
        try:
            if brand is None:
                raise Http404
            user, _member_row = online.register_online(
                brand,
                phone=request.POST.get("phone", "")[:20],
                username=form["username"],
                password=request.POST.get("password", "")[:128],
                accepted_policy=request.POST.get("accept_policy") == "on",
                consents=form["consents"],
                policy_version=request.POST.get("policy_version", "")[:20] or None,
                member_code=form["member_code"],
                language=(get_language() or "zh-hans"),
            )
        except DomainError as exc:
            reasons = exc.details.get("reasons") if isinstance(exc.details, dict) else None
            messages.error(request, " ".join([exc.message, *(reasons or [])]))
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your membership is ready."))
            return redirect("storefront:account")
    return _page(
        request,
        "register.html",
        {
            "form": form,
            "policy_version": member_conf.get("POLICY_VERSION"),
            "purposes": ConsentPurpose.choices,
        },
    )


@shop_login_required
def account(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None:
        return _page(request, "no_member.html", {})
    entries = PointsEntry.objects.filter(member=member).order_by("-created_at", "-pk")[:30]
    progress = member_selectors.tier_progress(member)
    nxt = progress["next_tier"]
    return _page(
        request,
        "account.html",
        {
            "member": member,
            "available": points.available(member),
            "entries": entries,
            "progress": progress,
            "to_next": from_fen(progress["to_next_fen"] or 0),
            "next_tier_name": (selectors.localised(nxt["name"], nxt["name_en"]) if nxt else ""),
            "coupons": member_selectors.coupon_wallet(member, limit=50),
            "orders": selectors.member_orders(member, limit=30),
            "consents": online.consent_state(member),
            "qr": _qr_svg(crypto.qr_payload(member.code, member.brand_id), scale=4),
        },
    )


@shop_login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    member = _member(request)
    if member is None:
        raise Http404
    if fmt == "csv":
        body = privacy.export_member_csv(member)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        data = privacy.export_member(member, fmt="json")
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="my-data-{member.code}.{fmt}"'
    return response


@shop_login_required
@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    purpose = request.POST.get("purpose", "")
    if member is None:
        raise Http404
    try:
        set_consent(member, purpose, request.POST.get("granted") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your choice was saved."))
    return redirect(reverse("storefront:account") + "#privacy")


@shop_login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if member is None:
        raise Http404
    if request.POST.get("confirm") != "DELETE":
        messages.error(request, _("Type DELETE to confirm."))
        return redirect(reverse("storefront:account") + "#privacy")
    online.delete_my_data(member, request.user)
    store_pk = cart.store_id(request.session)
    auth_logout(request)
    if store_pk:
        cart.set_store(request.session, store_pk)
    messages.success(request, _("Your personal data was deleted and your account closed."))
    return redirect("storefront:index")
