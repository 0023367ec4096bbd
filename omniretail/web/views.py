"""Server-rendered shell: login, role-aware home, audit log, health."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from omniretail.accounts.permissions import ROLE_LABELS, Perm, Role
from omniretail.accounts.scope import Scope, resolve_scope, user_roles
from omniretail.core import clock
from omniretail.core import selectors as org_selectors
from omniretail.core.errors import BadRequest
from omniretail.core.models import Store
from omniretail.core.pagination import keyset_page

AUDIT_PAGE_SIZE = 50
ECHARTS_PATH = "vendor/echarts/echarts.min.js"
STORE_LIST_LIMIT = 50


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Ready when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # health must report, not raise
        return JsonResponse({"status": "unavailable", "error": type(exc).__name__}, status=503)
    return JsonResponse(
        {"status": "ok", "database": connection.vendor, "time": clock.now().isoformat()}
    )


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@functools.cache
def echarts_available() -> bool:
    """ECharts is fetched at set-up (scripts/install-assets.sh), not committed; without it the
    home page shows the region table alone instead of a script that 404s in the console."""
    return finders.find(ECHARTS_PATH) is not None


def _localised(name: str, name_en: str) -> str:
    """Chinese names are the source of truth; English pages use the English name when known."""
    return name_en if name_en and (get_language() or "").startswith("en") else name


def _stores_by_region(scope: Scope) -> list[dict[str, Any]]:
    rows = (
        Store.objects.filter(pk__in=scope.store_ids)
        .values("region__code", "region__name", "region__name_en")
        .annotate(n=Count("id"))
        .order_by("region__code")
    )
    return [
        {
            "code": r["region__code"],
            "name": _localised(r["region__name"], r["region__name_en"]),
            "stores": r["n"],
        }
        for r in rows
    ]


STORE_CARD_LIMIT = 4


def _store_cards(scope: Scope) -> list[dict[str, Any]]:
    """For users who run a handful of stores: each store's address, hours and stock locations,
    the facts a manager or cashier looks up during the day."""
    if not scope.store_ids or len(scope.store_ids) > STORE_CARD_LIMIT:
        return []
    stores = (
        Store.objects.filter(pk__in=scope.store_ids)
        .select_related("region")
        .prefetch_related("locations")
        .order_by("code")
    )
    return [
        {
            "code": s.code,
            "name": _localised(s.name, s.name_en),
            "address": f"{s.city} {s.address}".strip(),
            "phone": s.phone,
            "hours": (s.opens_at, s.closes_at),
            "fulfils_online": s.fulfils_online,
            "locations": [
                {"code": loc.code, "name": loc.name, "kind": loc.get_kind_display()}
                for loc in s.locations.all()
                if loc.pk in scope.location_ids
            ],
        }
        for s in stores
    ]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One page for every role: the chain by region for brand-wide roles, the own store(s)
    for store and regional roles — always limited to what ORG_VIEW opens for this user."""
    scope = resolve_scope(request.user, Perm.ORG_VIEW)
    stores = org_selectors.stores(scope).order_by("code")
    regions = _stores_by_region(scope)
    roles = [ROLE_LABELS.get(Role(r), r) for r in user_roles(request.user)]
    return render(
        request,
        "web/home.html",
        {
            "stores": [
                {
                    "code": s.code,
                    "name": _localised(s.name, s.name_en),
                    "city": s.city,
                    "region": _localised(s.region.name, s.region.name_en),
                    "type": s.get_store_type_display(),
                    "hours": (s.opens_at, s.closes_at),
                    "is_active": s.is_active,
                }
                for s in stores[:STORE_LIST_LIMIT]
            ],
            "store_cards": _store_cards(scope) if not scope.brand_wide else [],
            "more_stores": max(0, len(scope.store_ids) - STORE_LIST_LIMIT),
            "store_count": len(scope.store_ids),
            "location_count": len(scope.location_ids),
            "region_count": len(regions),
            "regions": regions,
            "chart": {
                "labels": [r["name"] for r in regions],
                "values": [r["stores"] for r in regions],
                "title": str(_("Stores per region")),
            },
            "show_regions": scope.brand_wide or len(regions) > 1,
            "echarts_url": static(ECHARTS_PATH),
            "echarts_available": echarts_available(),
            "role_labels": roles,
            "brand_wide": scope.brand_wide,
            "today": clock.today(),
        },
    )


class AuditFilterForm(forms.Form):
    """The audit page's filters; invalid values are dropped rather than failing the page."""

    action = forms.CharField(label=pgettext_lazy("audit", "Action"), required=False, max_length=100)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, object_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["object_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All")), *((t, object_type_label(t)) for t in object_types)]


def object_type_label(label: str) -> str:
    """``core.Store`` → the model's translated name (门店 / Store); unknown labels as they are,
    since audit rows outlive renamed or removed models."""
    if not label:
        return ""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return capfirst(str(model._meta.verbose_name))


def _audit_object_types(scope: Scope) -> list[str]:
    return sorted(
        t
        for t in org_selectors.audit_entries(scope)
        .exclude(object_type="")
        .order_by()
        .values_list("object_type", flat=True)
        .distinct()[:100]
    )


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The audit trail of the user's scope: HQ sees everything, a regional viewer only the
    rows of their stores. Filters arrive as GET parameters so a filtered view is a link;
    HTMX requests get only the results so the filter form keeps its focus."""
    scope = resolve_scope(request.user, Perm.AUDIT_VIEW)
    if scope.empty:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, object_types=_audit_object_types(scope))
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "action": data["action"].strip() or None,
            "actor": data["actor"].strip() or None,
            "object_type": data["object_type"] or None,
            "since": clock.business_day_bounds(data["since"])[0] if data["since"] else None,
            "until": clock.business_day_bounds(data["until"])[1] if data["until"] else None,
        }
    qs = org_selectors.audit_entries(scope, **filters)
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = keyset_page(
            qs, ["-at", "-id"], cursor=cursor, limit=AUDIT_PAGE_SIZE, tag="web.audit"
        )
    except BadRequest:
        # A stale or edited link: start again from the newest row instead of an error page.
        rows, next_cursor = keyset_page(
            qs, ["-at", "-id"], cursor=None, limit=AUDIT_PAGE_SIZE, tag="web.audit"
        )
        cursor = None
    store_codes = dict(
        Store.objects.filter(pk__in={r.store_id for r in rows if r.store_id}).values_list(
            "pk", "code"
        )
    )
    entries = [
        {
            "at": r.at,
            "actor": r.actor_label,
            "action": r.action,
            "object_type": object_type_label(r.object_type),
            "object_repr": r.object_repr or r.object_id,
            "store": store_codes.get(r.store_id, ""),
            "reason": r.reason,
            "changes": _changes_summary(r.changes),
        }
        for r in rows
    ]
    params = request.GET.copy()
    params.pop("cursor", None)
    next_params = params.copy()
    if next_cursor:
        next_params["cursor"] = next_cursor
    context = {
        "form": form,
        "entries": entries,
        "next_query": next_params.urlencode() if next_cursor else "",
        "first_query": params.urlencode(),
        "is_later_page": bool(cursor),
        "brand_wide": scope.brand_wide,
        "store_count": len(scope.store_ids),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "web/_audit_results.html", context)
    return render(request, "web/audit.html", context)


def _changes_summary(changes: Any, limit: int = 4) -> str:
    """``field: old → new`` for the first few fields, so a row stays one line high."""
    if not isinstance(changes, dict) or not changes:
        return ""
    parts = []
    for key in list(changes)[:limit]:
        value = changes[key]
        if isinstance(value, list) and len(value) == 2:
            old, new = (_shown(v) for v in value)
            parts.append(f"{key}: {old} → {new}")
        else:
            parts.append(f"{key}: {_shown(value)}")
    if len(changes) > limit:
        parts.append("…")
    return "; ".join(parts)


def _shown(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)
