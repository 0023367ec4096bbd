"""Back-office forms for segments and campaigns. They only parse what a marketer typed; every
business rule (dates, holdout range, unknown promotions, duplicate codes) is the services'
and comes back as a domain error shown next to the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CouponTemplate, Promotion, Segment, SegmentKind
from .segments import rfm_codes

CODE_HELP = _("Letters, digits, dash and underscore.")


class SegmentForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Type"), choices=SegmentKind.choices)
    rfm_segment = forms.ChoiceField(label=_("RFM class"), required=False)
    tiers = forms.CharField(
        label=_("Tiers"), required=False, help_text=_("Tier codes, separated by commas.")
    )
    min_spend = forms.DecimalField(
        label=_("Minimum spend (CNY)"), required=False, min_value=0, decimal_places=2
    )
    max_spend = forms.DecimalField(
        label=_("Maximum spend (CNY)"), required=False, min_value=0, decimal_places=2
    )
    spend_days = forms.IntegerField(
        label=_("Spend over the last … days"), initial=365, min_value=1, max_value=3660
    )
    registered_from = forms.DateField(
        label=_("Registered from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_to = forms.DateField(
        label=_("Registered until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rfm_segment"].choices = [("", "—")] + [(c, c) for c in rfm_codes()]

    def rules(self) -> dict[str, Any]:
        """The service's rule dict from the cleaned fields (only what was filled in)."""
        data = self.cleaned_data
        if data["kind"] == SegmentKind.RFM:
            return {"rfm_segment": data.get("rfm_segment") or ""}
        rules: dict[str, Any] = {"spend_days": data.get("spend_days") or 365}
        tiers = [t.strip() for t in (data.get("tiers") or "").split(",") if t.strip()]
        if tiers:
            rules["tiers"] = tiers
        for field in ("min_spend", "max_spend"):
            if data.get(field) is not None:
                rules[field] = str(data[field])
        for field in ("registered_from", "registered_to"):
            if data.get(field):
                rules[field] = data[field].isoformat()
        return rules


class CampaignForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=120)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.none())
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    budget = forms.DecimalField(
        label=_("Budget (CNY)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    holdout_pct = forms.DecimalField(
        label=_("Held out as control (%)"), min_value=0, max_value=90, decimal_places=2, initial=10
    )
    promotions = forms.ModelMultipleChoiceField(
        label=_("Promotions"), queryset=Promotion.objects.none(), required=False
    )
    templates = forms.ModelMultipleChoiceField(
        label=_("Coupon templates"), queryset=CouponTemplate.objects.none(), required=False
    )

    def __init__(self, *args: Any, brand_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.filter(brand_id=brand_id).order_by("code")  # type: ignore[attr-defined]
        self.fields["promotions"].queryset = Promotion.objects.filter(  # type: ignore[attr-defined]
            brand_id=brand_id
        ).order_by("-starts_at", "pk")
        self.fields["templates"].queryset = CouponTemplate.objects.filter(  # type: ignore[attr-defined]
            brand_id=brand_id
        ).order_by("code")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "segment": data["segment"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "budget": data["budget"],
            "holdout_bp": int(data["holdout_pct"] * 100),
            "promotion_ids": [p.pk for p in data["promotions"]],
            "template_ids": [t.pk for t in data["templates"]],
        }
