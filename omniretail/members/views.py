"""Member 360 pages: lookup by phone or member code, then the profile (tier progress, points
and stored-value history, consents). Masked unless the user holds MEMBERS_PII and asks to
reveal, which is audited like the API unmask."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core.errors import DomainError

from . import identity, points, selectors
from .api import _stored_value
from .models import PointsEntry


def _scope(request: HttpRequest) -> Any:
    scope = resolve_scope(request.user, Perm.MEMBERS_VIEW)
    if scope.empty:
        raise Http404
    return scope


@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    q = request.GET.get("q", "").strip()[:30]
    error = None
    if q:
        brands = selectors.brand_ids(scope)
        try:
            if q.upper().startswith("M"):
                member = identity.find_by_code(brands, q)
            else:
                member = next(
                    (m for b in sorted(brands) if (m := identity.find_by_phone(b, q))), None
                )
        except DomainError as exc:
            member, error = None, exc.message
        if member is not None:
            return redirect("members:profile", member_id=member.pk)
        error = error or "not_found"
    return render(request, "members/lookup.html", {"q": q, "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, member_id: int) -> HttpResponse:
    scope = _scope(request)
    try:
        member = selectors.member_in_scope(scope, member_id)
    except DomainError as exc:
        raise Http404 from exc
    can_reveal = selectors.can_read_pii(request.user)
    clear = None
    if request.method == "POST" and can_reveal and member.phone_cipher:
        clear = identity.unmask(member, reason="member 360 page")
    return render(
        request,
        "members/profile.html",
        {
            "member": member,
            "clear": clear,
            "can_reveal": can_reveal and bool(member.phone_cipher),
            "progress": selectors.tier_progress(member),
            "available": points.available(member),
            "entries": PointsEntry.objects.filter(member=member).order_by("-created_at", "-pk")[
                :50
            ],
            "stored": _stored_value(member),
            "consents": member.consents.order_by("-at", "-pk"),
        },
    )
