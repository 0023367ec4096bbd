"""Back-office pages that change campaigns: new segment, new campaign, launch and end.

Thin: the forms parse, the services decide (``segments``, ``campaigns``), and a domain error is
shown on the page with its code rather than turned into a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.accounts.permissions import Perm
from omniretail.accounts.scope import resolve_scope
from omniretail.core.errors import DomainError
from omniretail.core.models import Brand

from . import campaigns, segments, selectors
from .forms import CampaignForm, SegmentForm
from .models import Campaign


def _brand(request: HttpRequest) -> Brand:
    """The marketer's brand (one chain per install: the lowest id when several); 404 without
    the permission to manage promotions."""
    scope = resolve_scope(request.user, Perm.PROMOTIONS_MANAGE)
    ids = sorted(selectors.brand_ids(scope)) if not scope.empty else []
    if not ids:
        raise Http404
    return Brand.objects.get(pk=ids[0])


def _domain_error(form: Any, exc: DomainError) -> None:
    field = (exc.details or {}).get("field", "")
    target = field if field in form.fields else None
    form.add_error(target, f"{exc.message} ({exc.code})")


@login_required
def segment_new(request: HttpRequest) -> HttpResponse:
    brand = _brand(request)
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            segment = segments.create_segment(
                brand,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                rules=form.rules(),
            )
            segments.refresh(segment)
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            return redirect("promotions:campaign_list")
    return render(
        request, "promotions/segment_form.html", {"form": form, "title": _("New segment")}
    )


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    brand = _brand(request)
    form = CampaignForm(request.POST or None, brand_id=brand.pk)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.create_campaign(brand, **form.service_kwargs())
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            return redirect("promotions:campaign_detail", campaign_id=campaign.pk)
    return render(
        request, "promotions/campaign_form.html", {"form": form, "title": _("New campaign")}
    )


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    found = Campaign.objects.filter(pk=campaign_id, brand=_brand(request)).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def campaign_action(request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
    """Launch (fix the groups, issue the coupons) or end a campaign from its page."""
    campaign = _campaign(request, campaign_id)
    step = {"launch": campaigns.launch, "end": campaigns.end}.get(action)
    if step is None:
        raise Http404
    try:
        step(campaign)
    except DomainError as exc:
        messages.error(request, f"{exc.message} ({exc.code})")
    return redirect("promotions:campaign_detail", campaign_id=campaign.pk)
