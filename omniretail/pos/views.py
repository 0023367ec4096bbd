"""The web till at /pos/: pick a register, open a shift, scan, take payment, print.

Server-rendered with htmx: a barcode scanner is a keyboard wedge (code + Enter), so the scan
box is a form that posts and swaps the cart back in, keeping focus. Every write goes through
the same services as the API, within the user's POS scope (others' registers are 404)."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core.errors import DomainError, ValidationFailed
from omniretail.core.money import quantize
from omniretail.members import crypto, identity
from omniretail.promotions import coupons

from . import approvals, carts, receipts, refunds, reports, selectors, services
from . import search as till_search
from .errors import PosError
from .models import (
    CartStatus,
    Fapiao,
    PosCart,
    PosRefund,
    PosSale,
    Register,
    Shift,
    ShiftStatus,
    ZReport,
)


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
        # One token per rendered pay form: a double submit is the same attempt (idempotent),
        # a retry after a declined tender is a new one.
        "pay_token": secrets.token_hex(6),
        "error": error,
    }


@login_required
def terminal(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    if shift.status != ShiftStatus.OPEN:
        return redirect("pos:z_report", shift_id=shift.pk)
    return render(request, "pos/terminal.html", _cart_context(shift))


@login_required
def search(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Search-as-you-type: the first page of the store's own assortment matching ``term``;
    ``all=1`` goes on into the brand catalog (what the store does not carry is marked). An
    empty term answers an empty list without reading; a term that is too long answers 422."""
    shift = _shift(request, shift_id)
    context: dict[str, Any] = {"shift": shift, "page": None, "error": ""}
    try:
        context["page"] = till_search.search_till(
            shift.register.store,
            request.GET.get("term", ""),
            everywhere=request.GET.get("all") == "1",
        )
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "pos/_search.html", context, status=exc.status)
    return render(request, "pos/_search.html", context)


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
    if quantity <= 0:
        return _cart(request, shift, _("Voiding a line needs a supervisor's approval."))
    carts.set_quantity(carts.active_cart(shift), line_id, quantity)
    return _cart(request, shift)


@login_required
@require_POST
def approve(request: HttpRequest, shift_id: int, line_id: int) -> HttpResponse:
    """A supervisor-approved change to a line: price override, manual discount or void."""
    shift = _shift(request, shift_id)
    action = request.POST.get("action", "")
    common = {
        "shift": shift,
        "line_id": line_id,
        "supervisor": request.POST.get("supervisor", "")[:150],
        "pin": request.POST.get("pin", "")[:20],
        "reason": request.POST.get("reason", "")[:200],
    }
    value = request.POST.get("value", "").strip()[:20]
    try:
        if action == "override":
            approvals.override_price(unit_price=value or "x", **common)
        elif action == "discount":
            approvals.manual_discount(amount=value or "x", **common)
        elif action == "void":
            approvals.void_line(**common)
        else:
            return _cart(request, shift, _("Choose what to approve."))
    except DomainError as exc:
        return _cart(request, shift, exc.message)
    return _cart(request, shift)


@login_required
@require_POST
def coupon(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Add a coupon code to the cart (checked at once), or clear them all."""
    shift = _shift(request, shift_id)
    cart = carts.active_cart(shift)
    code = request.POST.get("code", "").strip()[:40]
    if not code:
        carts.set_coupons(cart, [])
        return _cart(request, shift)
    try:
        coupons.validate(
            shift.register.store.brand_id, code, channel="pos", member_id=cart.member_id
        )
    except DomainError as exc:
        return _cart(request, shift, exc.message)
    carts.set_coupons(cart, [*cart.coupon_codes, code])
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
    if found is None and len(query) > 20:
        try:
            found = identity.find_by_qr([brand_id], query[:500])
        except DomainError as exc:
            return _cart(request, shift, exc.message)
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


def _token(text: str) -> str:
    return text if re.fullmatch(r"[0-9a-f]{1,16}", text) else "0"


SPLIT_KINDS = ("wechat", "alipay", "unionpay", "card", "stored_value", "points")


def _tenders_from(request: HttpRequest, total: Decimal, member_id: int | None) -> list[Any]:
    """The tenders on the pay form: one kind for the whole total (a tender button), or a split
    — an amount per non-cash kind, and cash for the rest with the note handed over."""
    from omniretail.payments.services import TenderIn

    post = request.POST
    code = post.get("auth_code", "").strip()[:64]
    kind = post.get("kind", "split")
    if kind != "split":
        tendered = None
        if kind == "cash":
            tendered = _money(post.get("tendered", "")) or total
            if tendered < total:
                raise ValidationFailed(
                    PosError.INVALID_AMOUNT, _("Cash handed over is less than the total.")
                )
        return [TenderIn(kind, total, code, tendered, member_id)]
    tenders = []
    for name in SPLIT_KINDS:
        text = post.get(f"amount_{name}", "").strip()
        if not text:
            continue
        amount = _money(text)
        if amount is None or amount <= 0:
            raise ValidationFailed(PosError.INVALID_AMOUNT, _("Check the tender amounts."))
        own_code = post.get(f"code_{name}", "").strip()[:64] or code
        tenders.append(TenderIn(name, amount, own_code, None, member_id))
    rest = total - sum((t.amount for t in tenders), Decimal("0.00"))
    if rest < 0:
        raise ValidationFailed(PosError.INVALID_AMOUNT, _("The tenders are more than the total."))
    if rest > 0:
        tendered = _money(post.get("tendered", "")) or rest
        if tendered < rest:
            raise ValidationFailed(
                PosError.INVALID_AMOUNT,
                _("Cash handed over (%(cash)s) is less than the rest due (%(rest)s).")
                % {"cash": tendered, "rest": rest},
            )
        tenders.insert(0, TenderIn("cash", rest, "", tendered, member_id))
    return tenders


@login_required
@require_POST
def pay(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Take payment: cash with change, a 付款码 for WeChat Pay/Alipay, the card terminal,
    stored value, points — one kind or split across several."""
    shift = _shift(request, shift_id)
    cart = carts.active_cart(shift)
    try:
        priced = selectors.price_pos_cart(cart, shift.register.store)
        if not priced.lines:
            return _cart(request, shift, _("The cart is empty."))
        tenders = _tenders_from(request, priced.total, cart.member_id)
        rows = {r.sku_id: r for r in cart.lines.all()}
        result = services.checkout(
            shift=shift,
            lines=[
                services.CheckoutLine(
                    ln.sku_id,
                    ln.quantity,
                    rows[ln.sku_id].override_price,
                    rows[ln.sku_id].manual_discount,
                )
                for ln in priced.lines
            ],
            tenders=tenders,
            reference=f"web-{cart.pk}-{_token(request.POST.get('pay_token', ''))}",
            member_id=cart.member_id,
            age_verified=request.POST.get("age_verified") == "1",
            coupon_codes=cart.coupon_codes,
        )
    except DomainError as exc:
        return _cart(request, shift, exc.message)
    carts.finish(cart)
    url = reverse("pos:receipt", args=[result.sale.pk])
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def _sale(request: HttpRequest, sale_id: int) -> PosSale:
    sale = (
        PosSale.objects.select_related("order__store", "shift__register")
        .filter(pk=sale_id, order__store_id__in=_stores(request))
        .first()
    )
    if sale is None:
        raise Http404
    return sale


def _receipt_context(request: HttpRequest, sale: PosSale) -> dict[str, Any]:
    link = request.build_absolute_uri(
        reverse("pos:e_receipt", args=[receipts.e_receipt_token(sale)])
    )
    return {
        "sale": sale,
        "order": sale.order,
        "lines": sale.order.lines.select_related("sku").order_by("line_no"),
        "tenders": receipts.tender_rows(sale),
        "e_link": link,
        "qr_svg": receipts.qr_svg(link),
        "fapiao": Fapiao.objects.filter(sale=sale).first(),
    }


@login_required
def receipt(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale(request, sale_id)
    context = _receipt_context(request, sale)
    context["error"] = request.GET.get("e", "")[:200]
    return render(request, "pos/receipt.html", context)


@login_required
def receipt_pdf(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale(request, sale_id)
    context = _receipt_context(request, sale)
    pdf = receipts.receipt_pdf(sale, context["e_link"])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{sale.order.number}.pdf"'
    return response


def e_receipt(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's e-receipt: public, reached only through the signed link on the QR."""
    sale = receipts.sale_from_token(token)
    if sale is None:
        raise Http404
    context = _receipt_context(request, sale)
    context["public"] = True
    return render(request, "pos/receipt.html", context)


@login_required
@require_POST
def fapiao(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale(request, sale_id)
    url = reverse("pos:receipt", args=[sale.pk])
    try:
        refunds.request_fapiao(
            sale,
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            tax_id=request.POST.get("tax_id", ""),
            email=request.POST.get("email", ""),
        )
    except DomainError as exc:
        return redirect(url + "?" + urlencode({"e": exc.message}))
    return redirect(url)


@login_required
def refund(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Refund at the till: find the sale by its receipt, choose lines and quantities, a
    supervisor approves with their PIN, the money goes back to the original tenders."""
    shift = _shift(request, shift_id)
    number = (request.POST.get("receipt") or request.GET.get("receipt") or "").strip()[:80]
    context: dict[str, Any] = {"shift": shift, "number": number, "error": "", "done": None}
    order = None
    if number:
        try:
            order = refunds.find_receipt(number, _stores(request))
        except DomainError as exc:
            context["error"] = exc.message
    if order is not None and request.method == "POST":
        wanted = []
        for line in refunds.refundable_lines(order):
            try:
                qty = int(request.POST.get(f"qty_{line['id']}", "0") or 0)
            except ValueError:
                qty = 0
            if qty > 0:
                wanted.append((line["id"], qty))
        try:
            context["done"] = refunds.refund_at_till(
                shift=shift,
                order=order,
                lines=wanted,
                reference=request.POST.get("reference", "")[:60],
                supervisor=request.POST.get("supervisor", ""),
                pin=request.POST.get("pin", "")[:20],
                reason=request.POST.get("reason", "")[:200],
                with_receipt=request.POST.get("with_receipt") == "1",
                store_ids=_stores(request),
            )
        except DomainError as exc:
            context["error"] = exc.message
    if order is not None:
        context["order"] = order
        context["lines"] = refunds.refundable_lines(order)
        context["reference"] = (
            f"R{shift.pk}-{order.pk}-{PosRefund.objects.filter(order=order).count() + 1}"
        )
    return render(request, "pos/refund.html", context)


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
