"""Promotions, coupon templates, issued coupons, redemptions (核销) and applied discounts.

Definitions keep their per-kind parameters and scope as JSON validated by pydantic at the
edge (``params.py``, ``services.py``); the engine reads them as dataclasses. Usage counters are
guarded by CHECK constraints and a conditional UPDATE, and every discount a checkout charged is
stored as a row with its promotion and reason, so any price can be explained later.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.models import Brand, Store
from omniretail.core.money import MoneyField

from .params import PromotionKind


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


KIND_CHOICES = [
    (PromotionKind.PERCENT_OFF.value, _("Percentage off")),
    (PromotionKind.AMOUNT_OFF.value, _("Amount off")),
    (PromotionKind.SPEND_THRESHOLD.value, _("Spend threshold (满减)")),
    (PromotionKind.GIFT.value, _("Gift with purchase (满赠)")),
    (PromotionKind.BUY_X_GET_Y.value, _("Buy X get Y")),
    (PromotionKind.BUNDLE.value, _("Bundle price")),
    (PromotionKind.NTH_ITEM.value, _("Nth item discount (第二件半价)")),
    (PromotionKind.MEMBER_PRICE.value, _("Member price")),
    (PromotionKind.FLASH_SALE.value, _("Flash sale (秒杀)")),
]


class Promotion(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="promotions")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=KIND_CHOICES)
    params = models.JSONField(_("parameters"), default=dict)
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    exclusive_group = models.CharField(_("exclusive group"), max_length=40, blank=True)
    best_for_customer = models.BooleanField(_("best for customer in its group"), default=False)
    stackable = models.BooleanField(_("stackable"), default=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    time_windows = models.JSONField(_("time windows"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-priority", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="promotion_code_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="promotion_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["brand", "status", "starts_at"], name="promo_active_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CouponTemplate(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="coupon_templates")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=20, choices=KIND_CHOICES)
    params = models.JSONField(_("parameters"), default=dict)
    scope = models.JSONField(_("scope"), default=dict, blank=True)
    combinable = models.BooleanField(_("combinable with other coupons"), default=False)
    stacks_with_promotions = models.BooleanField(_("stacks with promotions"), default=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    valid_days = models.PositiveIntegerField(_("valid days after issue"), null=True, blank=True)
    uses_per_coupon = models.PositiveIntegerField(_("uses per coupon"), default=1)
    per_member_limit = models.PositiveIntegerField(_("coupons per member"), null=True, blank=True)
    redemptions_per_member = models.PositiveIntegerField(
        _("redemptions per member"), null=True, blank=True
    )
    redemptions_per_phone = models.PositiveIntegerField(
        _("redemptions per phone"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("coupon template")
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="coupon_template_code_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="coupon_template_window"
            ),
            models.CheckConstraint(condition=Q(uses_per_coupon__gte=1), name="coupon_uses_min"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Coupon(models.Model):
    """An issued code. ``uses`` only moves through a conditional UPDATE (see coupons.redeem)."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    code = models.CharField(_("code"), max_length=24, unique=True)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    campaign = models.ForeignKey(
        "Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="coupons"
    )

    class Meta:
        verbose_name = _("coupon")
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="coupon_uses_le_max"),
            models.CheckConstraint(condition=Q(uses__gte=0), name="coupon_uses_not_negative"),
        ]
        indexes = [models.Index(fields=["template", "member"], name="coupon_template_member_idx")]


class CouponRedemption(models.Model):
    """核销: one use of a coupon against a reference (order/receipt). Reversal on return keeps
    the row and frees the use."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    reference = models.CharField(_("reference"), max_length=64)
    amount = MoneyField(_("discount"), default=0)
    channel = models.CharField(max_length=15, blank=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    member_id = models.BigIntegerField(null=True, blank=True)
    phone_index = models.CharField(max_length=64, blank=True)  # keyed blind index, never the phone
    redeemed_at = models.DateTimeField()
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reference = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coupon", "reference"], name="redemption_once_per_ref"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="redemption_amount_not_negative"
            ),
        ]


class AppliedDiscount(models.Model):
    """One promotion's (or coupon's) share of one line of a priced order."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    order_ref = models.CharField(max_length=64, db_index=True)
    line_ref = models.CharField(max_length=64)
    sku_id = models.BigIntegerField()
    promotion = models.ForeignKey(
        Promotion, on_delete=models.PROTECT, null=True, blank=True, related_name="applied"
    )
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, null=True, blank=True, related_name="applied"
    )
    amount = MoneyField(_("discount"))
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="applied_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(promotion__isnull=False) | Q(coupon__isnull=False),
                name="applied_has_source",
            ),
        ]


class SegmentKind(models.TextChoices):
    RULES = "rules", _("Rule-based")
    RFM = "rfm", _("RFM (analytics)")


class Segment(models.Model):
    """A named set of members: rules over tier, registration and spend, or an RFM class from
    analytics. Members are materialised into ``SegmentMember`` rows by ``segments.refresh`` so
    pricing reads a member's segments with one indexed query."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="segments")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("type"), max_length=10, choices=SegmentKind.choices, default=SegmentKind.RULES
    )
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="segment_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SegmentMember(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    member_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "member_id"], name="segment_member_unique"),
        ]
        indexes = [models.Index(fields=["member_id"], name="segment_member_idx")]


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LAUNCHED = "launched", _("Launched")
    ENDED = "ended", _("Ended")


class Campaign(models.Model):
    """Promotions and coupon templates aimed at a segment, with a budget, dates and a holdout
    control group drawn deterministically from (seed, member id)."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="campaigns")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("segment")
    )
    promotions = models.ManyToManyField(Promotion, blank=True, related_name="campaigns")
    coupon_templates = models.ManyToManyField(CouponTemplate, blank=True, related_name="campaigns")
    budget = MoneyField(_("budget"), default=0)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    holdout_bp = models.PositiveIntegerField(
        _("holdout (basis points)"), default=1000, help_text=_("1000 = 10 per cent held out")
    )
    seed = models.CharField(_("assignment seed"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="campaign_code_unique"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="campaign_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(holdout_bp__gte=0) & Q(holdout_bp__lte=9000),
                name="campaign_holdout_range",
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def segment_code(self) -> str:
        """The code a treatment member carries in pricing (``Scope.member_segments``)."""
        return f"campaign:{self.code}"


class CampaignGroup(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    CONTROL = "control", _("Control (holdout)")


class CampaignMember(models.Model):
    """A member's group in a campaign, fixed at launch so results never drift with the
    segment."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    member_id = models.BigIntegerField()
    group = models.CharField(max_length=10, choices=CampaignGroup.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member_id"], name="campaign_member_unique"
            ),
        ]
        indexes = [models.Index(fields=["member_id", "group"], name="campaign_member_idx")]


class FlashSaleCounter(models.Model):
    """Units of a flash sale (秒杀) taken so far against its promotional quantity. Moves only by
    a conditional UPDATE (``claimed + n <= quantity``) inside the order's transaction, so N
    buyers racing for K units leave exactly K claimed."""

    promotion = models.OneToOneField(
        Promotion, on_delete=models.CASCADE, related_name="flash_counter"
    )
    quantity = models.PositiveIntegerField(null=True, blank=True)  # None: no overall limit
    claimed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(claimed__lte=F("quantity")),
                name="flash_claimed_le_quantity",
            ),
        ]


class FlashSaleClaim(models.Model):
    """Units of one SKU one order took at the flash price; released when the order is
    cancelled (units go back to the sale)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="flash_claims")
    member_id = models.BigIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=64)
    sku_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "reference", "sku_id"], name="flash_claim_once_per_ref"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="flash_claim_positive"),
        ]
        indexes = [models.Index(fields=["promotion", "member_id"], name="flash_claim_member_idx")]


class FlashSaleHold(models.Model):
    """The inventory reservation holding a flash sale's remaining units of one SKU at one
    location; each claim shrinks it (release, then re-reserve what is left)."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="flash_holds")
    sku_id = models.BigIntegerField()
    location_id = models.BigIntegerField()
    reservation_reference = models.CharField(max_length=100, blank=True)
    remaining = models.PositiveIntegerField(default=0)
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["promotion", "sku_id"], name="flash_hold_one_per_sku"),
        ]
