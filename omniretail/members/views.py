"""Member 360 pages: lookup by phone or member code, then the profile (tier progress, points
and stored-value history, consents). Masked unless the user holds MEMBERS_PII and asks to
reveal, which is audited like the API unmask."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core import audit, clock
from omniretail.core.errors import DomainError

from . import identity, points, selectors
from .api import _stored_value
from .models import Member, PointsEntry
from .privacy import csv_cell

EXPORT_CHUNK = 2000


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
    return render(
        request,
        "members/lookup.html",
        {"q": q, "error": error, "can_reveal": selectors.can_read_pii(request.user)},
    )


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


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export_rows(brand_ids: set[int], clear: bool) -> Iterator[list[Any]]:
    yield [
        "code",
        "phone",
        "name",
        "tier",
        "points_balance",
        "status",
        "registered_channel",
        "registered_at",
        "last_activity_at",
    ]
    qs = (
        Member.objects.filter(brand_id__in=brand_ids)
        .select_related("tier")
        .order_by("pk")
        .only(
            "code",
            "phone_cipher",
            "phone_masked",
            "name_cipher",
            "name_masked",
            "tier__code",
            "points_balance",
            "status",
            "registered_channel",
            "registered_at",
            "last_activity_at",
        )
    )
    for m in qs.iterator(chunk_size=EXPORT_CHUNK):
        phone = identity.phone_of(m) if clear and m.phone_cipher else m.phone_masked
        name = identity.name_of(m) if clear and m.name_cipher else m.name_masked
        yield [
            m.code,
            phone,
            csv_cell(name),
            m.tier.code,
            m.points_balance,
            m.status,
            m.registered_channel,
            m.registered_at.isoformat(),
            m.last_activity_at.isoformat(),
        ]


@login_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """All members of the caller's brands as CSV, streamed row by row (constant memory at a
    million members). Phones and names are masked unless the caller holds MEMBERS_PII and
    asks for ``reveal=1``; either way the export is written to the audit trail first."""
    scope = _scope(request)
    brands = selectors.brand_ids(scope)
    clear = request.GET.get("reveal") == "1" and selectors.can_read_pii(request.user)
    with transaction.atomic():
        audit.record(
            "members.export_csv",
            changes={"brand_ids": sorted(brands), "clear": clear},
            pii_read=clear,
            reason="members csv export",
        )
    writer = csv.writer(_Echo())
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _export_rows(brands, clear)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response
