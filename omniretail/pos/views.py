"""The web till at /pos/: pick a register, open a shift, scan, take payment, print.

Server-rendered with htmx: a barcode scanner is a keyboard wedge (code + Enter), so the scan
box is a form that posts and swaps the cart back in, keeping focus. Every write goes through
the same services as the API, within the user's POS scope (others' registers are 404)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core.errors import DomainError
from omniretail.core.money import quantize
from omniretail.members import crypto, identity

from . import carts, reports, selectors, services
from .models import CartStatus, PosCart, PosSale, Register, Shift, ShiftStatus, ZReport


def _stores(request: HttpRequest) -> frozenset[int]:
    scope = resolve_scope(request.user, Perm.POS_OPERATE)
    if scope.empty:
        raise Http404
    return scope.store_ids


def _shift(request: HttpRequest, shift_id: int) -> Shift:
    shift = (
        Shift.objects.select_related("register__store")
        .filter(pk=shift_id, register__store_id__in=_stores(request))
        .first()
    )
    if shift is None:
        raise Http404
    return shift


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value >= 0 and quantize(value) == value else None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    stores = _stores(request)
    registers = list(
        Register.objects.select_related("store")
        .filter(store_id__in=stores, active=True)
        .order_by("store__code", "code")
    )
    open_shifts = {
        s.register_id: s
        for s in Shift.objects.filter(register__in=registers, status=ShiftStatus.OPEN)
    }
    rows = [(r, open_shifts.get(r.pk)) for r in registers]
    return render(request, "pos/index.html", {"rows": rows, "error": request.GET.get("e", "")})


@login_required
@require_POST
def open_shift(request: HttpRequest, register_id: int) -> HttpResponse:
    register = Register.objects.filter(pk=register_id, store_id__in=_stores(request)).first()
    if register is None:
        raise Http404
    amount = _money(request.POST.get("opening_float", "0"))
    if amount is None:
        return redirect(reverse("pos:index") + "?e=amount")
    try:
        shift = services.open_shift(
            register=register, cashier_id=request.user.pk, opening_float=amount
        )
    except DomainError:
        return redirect("pos:index")
    return redirect("pos:terminal", shift_id=shift.pk)


def _cart_context(shift: Shift, error: str = "") -> dict[str, Any]:
    cart = carts.active_cart(shift)
    try:
        priced = selectors.price_pos_cart(cart, shift.register.store)
    except DomainError as exc:
        priced, error = None, error or exc.message
    line_ids = list(cart.lines.order_by("pk").values_list("pk", flat=True))
    return {
        "shift": shift,
        "cart": cart,
        "priced": priced,
        "rows": list(zip(line_ids, priced.lines, strict=True)) if priced else [],
        "held": PosCart.objects.filter(shift=shift, status=CartStatus.HELD).order_by("pk"),
        "error": error,
    }


@login_required
def terminal(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    if shift.status != ShiftStatus.OPEN:
        return redirect("pos:z_report", shift_id=shift.pk)
    return render(request, "pos/terminal.html", _cart_context(shift))


def _cart(request: HttpRequest, shift: Shift, error: str = "") -> HttpResponse:
    return render(request, "pos/_cart.html", _cart_context(shift, error))


@login_required
@require_POST
def scan(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    code = request.POST.get("barcode", "").strip()
    try:
        line = selectors.scan(shift.register.store, code)
    except DomainError:
        return _cart(request, shift, _("Unknown barcode: %(code)s") % {"code": code[:20]})
    if not line.sellable:
        return _cart(request, shift, " ".join(line.reasons) or _("Not sellable."))
    carts.add_line(carts.active_cart(shift), line.sku_id, line.quantity)
    return _cart(request, shift)


@login_required
@require_POST
def set_line(request: HttpRequest, shift_id: int, line_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    try:
        quantity = int(request.POST.get("quantity", "0"))
    except ValueError:
        quantity = 0
    carts.set_quantity(carts.active_cart(shift), line_id, quantity)
    return _cart(request, shift)


@login_required
@require_POST
def member(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    cart = carts.active_cart(shift)
    query = request.POST.get("q", "").strip()
    if not query:
        carts.set_member(cart, None)
        return _cart(request, shift)
    brand_id = shift.register.store.brand_id
    found = None
    if query.isdigit() and len(query) == 11:
        try:
            found = identity.find_by_phone(brand_id, crypto.normalise_phone(query))
        except DomainError:
            found = None
    if found is None:
        found = identity.find_by_code([brand_id], query[:20])
    if found is None:
        if query.isdigit() and len(query) == 11:
            return _cart_with_signup(request, shift, query, _("No member found."))
        return _cart(request, shift, _("No member found."))
    carts.set_member(cart, found.pk)
    return _cart(request, shift)


def _cart_with_signup(request: HttpRequest, shift: Shift, phone: str, error: str) -> HttpResponse:
    """The cart with the offer to register ``phone`` on the spot (only for those who may)."""
    context = _cart_context(shift, error)
    if resolve_scope(request.user, Perm.MEMBERS_REGISTER).has_store(shift.register.store_id):
        context["signup_phone"] = phone
    return render(request, "pos/_cart.html", context)


@login_required
@require_POST
def register_member(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Register the shopper from the till (phone + terms agreed, marketing optional) in the
    shift's store brand and attach the new member to the cart."""
    shift = _shift(request, shift_id)
    store = shift.register.store
    if not resolve_scope(request.user, Perm.MEMBERS_REGISTER).has_store(store.pk):
        raise Http404
    phone = request.POST.get("phone", "").strip()[:20]
    if request.POST.get("terms") != "1":
        return _cart_with_signup(
            request, shift, phone, _("The shopper must agree to the membership terms.")
        )
    try:
        new = identity.register_member(
            store.brand,
            phone,
            store=store,
            consents={"marketing": request.POST.get("marketing") == "1"},
        )
    except DomainError as exc:
        return _cart(request, shift, exc.message)
    carts.set_member(carts.active_cart(shift), new.pk)
    return _cart(request, shift)


@login_required
@require_POST
def hold(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    carts.hold(carts.active_cart(shift), request.POST.get("label", ""))
    return _cart(request, shift)


@login_required
@require_POST
def resume(request: HttpRequest, shift_id: int, cart_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    carts.resume(shift, cart_id)
    return _cart(request, shift)


@login_required
@require_POST
def pay(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Tender the whole total in one kind: cash with the note handed over (change is shown on
    the receipt), a 付款码 for WeChat/Alipay, or the card terminal."""
    from omniretail.payments.services import TenderIn

    shift = _shift(request, shift_id)
    cart = carts.active_cart(shift)
    priced = selectors.price_pos_cart(cart, shift.register.store)
    if not priced.lines:
        return _cart(request, shift, _("The cart is empty."))
    kind = request.POST.get("kind", "cash")
    tendered = None
    if kind == "cash":
        tendered = _money(request.POST.get("tendered", "")) or priced.total
        if tendered < priced.total:
            return _cart(request, shift, _("Cash handed over is less than the total."))
    tender = TenderIn(
        kind=kind,
        amount=priced.total,
        auth_code=request.POST.get("auth_code", "").strip()[:64],
        tendered=tendered,
    )
    try:
        result = services.checkout(
            shift=shift,
            lines=[services.CheckoutLine(ln.sku_id, ln.quantity) for ln in priced.lines],
            tenders=[tender],
            reference=f"web-{cart.pk}",
            member_id=cart.member_id,
            age_verified=request.POST.get("age_verified") == "1",
        )
    except DomainError as exc:
        return _cart(request, shift, exc.message)
    carts.finish(cart)
    url = reverse("pos:receipt", args=[result.sale.pk])
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


@login_required
def receipt(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = (
        PosSale.objects.select_related("order__store", "shift__register")
        .filter(pk=sale_id, order__store_id__in=_stores(request))
        .first()
    )
    if sale is None:
        raise Http404
    lines = sale.order.lines.select_related("sku").order_by("line_no")
    return render(request, "pos/receipt.html", {"sale": sale, "order": sale.order, "lines": lines})


@login_required
@require_POST
def close(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    counted = _money(request.POST.get("counted_cash", ""))
    if counted is None:
        return _cart(request, shift, _("Enter the counted cash."))
    try:
        services.close_shift(shift_id=shift.pk, counted_cash=counted)
    except DomainError as exc:
        return _cart(request, shift, exc.message)
    response = HttpResponse(status=204)
    response["HX-Redirect"] = reverse("pos:z_report", args=[shift.pk])
    return response


@login_required
def z_report(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    z = ZReport.objects.filter(shift=shift).first()
    return render(
        request, "pos/report.html", {"shift": shift, "z": z, "report": reports.x_report(shift)}
    )
