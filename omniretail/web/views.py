"""Server-rendered shell: login, role-aware home, health."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from omniretail.accounts.permissions import ROLE_LABELS, Perm, Role
from omniretail.accounts.scope import resolve_scope, user_roles
from omniretail.core import clock
from omniretail.core import selectors as org_selectors


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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = resolve_scope(request.user, Perm.ORG_VIEW)
    stores = org_selectors.stores(scope).order_by("code")
    roles = [ROLE_LABELS.get(Role(r), r) for r in user_roles(request.user)]
    return render(
        request,
        "web/home.html",
        {
            "stores": stores[:50],
            "store_count": len(scope.store_ids),
            "location_count": len(scope.location_ids),
            "role_labels": roles,
            "brand_wide": scope.brand_wide,
            "today": clock.today(),
        },
    )
