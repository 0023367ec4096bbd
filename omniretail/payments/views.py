"""Payments pages: the risk review queue (with its thresholds) and the reconciliation report.

Thin: check the permission's scope, call ``risk`` / ``settlement``, render."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core import clock
from omniretail.core.errors import DomainError

from . import providers, risk, settlement
from .models import RiskFlagStatus, RiskRuleCode


def _scope(request: HttpRequest, perm: Perm) -> frozenset[int]:
    scope = resolve_scope(request.user, perm)
    if scope.empty:
        raise Http404
    return scope.store_ids


@login_required
def risk_queue(request: HttpRequest) -> HttpResponse:
    stores = _scope(request, Perm.RISK_REVIEW)
    status = request.GET.get("status", RiskFlagStatus.OPEN)
    if status not in RiskFlagStatus.values:
        status = RiskFlagStatus.OPEN
    flags = list(risk.visible_flags(stores).filter(status=status)[:200])
    limits = risk.thresholds()
    rules = [
        {"code": code, "label": label, "limit": limits[code]}
        for code, label in RiskRuleCode.choices
    ]
    return render(
        request,
        "payments/risk_queue.html",
        {
            "flags": flags,
            "status": status,
            "statuses": RiskFlagStatus.choices,
            "rules": rules,
            "labels": dict(RiskRuleCode.choices),
            "error": request.GET.get("e", "")[:200],
            "can_edit": resolve_scope(request.user, Perm.PAYMENTS_RECONCILE).brand_wide
            or request.user.is_superuser,
        },
    )


def _back(name: str, error: str = "") -> HttpResponse:
    url = reverse(name)
    return redirect(url + ("?" + urlencode({"e": error}) if error else ""))


@login_required
@require_POST
def risk_review(request: HttpRequest, flag_id: int) -> HttpResponse:
    stores = _scope(request, Perm.RISK_REVIEW)
    try:
        risk.review(
            flag_id,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            reviewer_id=request.user.pk,
            store_ids=stores,
        )
    except DomainError as exc:
        return _back("payments:risk_queue", exc.message)
    return _back("payments:risk_queue")


@login_required
@require_POST
def risk_threshold(request: HttpRequest, code: str) -> HttpResponse:
    """Thresholds are brand-wide settings: only those who reconcile brand-wide change them."""
    _scope(request, Perm.RISK_REVIEW)
    scope = resolve_scope(request.user, Perm.PAYMENTS_RECONCILE)
    if not (scope.brand_wide or request.user.is_superuser):
        raise Http404
    try:
        window = int(request.POST.get("window_minutes", "0") or 0)
    except ValueError:
        window = -1
    try:
        risk.set_threshold(
            code,
            threshold=request.POST.get("threshold", ""),
            window_minutes=window,
            enabled=request.POST.get("enabled") == "1",
        )
    except DomainError as exc:
        return _back("payments:risk_queue", exc.message)
    return _back("payments:risk_queue")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return clock.today()


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    """Upload a provider's settlement CSV and see matched / missing / mismatched per day."""
    _scope(request, Perm.PAYMENTS_RECONCILE)
    names = sorted(set(providers.DEFAULT_BY_KIND.values()) | set(providers.BUILTIN))
    provider = request.POST.get("provider") or request.GET.get("provider") or "sandbox"
    if provider not in names:
        provider = "sandbox"
    day = _day(request.POST.get("day") or request.GET.get("day") or "")
    context: dict[str, Any] = {"providers": names, "provider": provider, "day": day}
    if request.method == "POST" and request.FILES.get("file"):
        try:
            result = settlement.import_csv(provider, day, request.FILES["file"].read())
            context["imported"] = result.rows
        except DomainError as exc:
            context["error"] = exc.message
            context["errors"] = (exc.details or {}).get("errors", [])
    context["report"] = settlement.report(provider, day)
    return render(request, "payments/reconciliation.html", context)
