"""Members: one identity per person and brand across POS, online and marketplaces, with
consents, tiers, a points ledger made of expiring lots, and stored-value accounts.

Personal data is never stored in clear: the phone and name are AES-GCM ciphertexts
(``crypto``), the phone is found through a keyed blind index, and only masked forms
(138****1234, 张*) are kept readable. Balances are projections of their ledgers, guarded by
CHECK constraints so no bug can make them negative.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.models import Brand, Store
from omniretail.core.money import MoneyField


class Tier(models.Model):
    """A membership level with its entry threshold (rolling 12-month net spend) and benefits."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="member_tiers")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"))
    threshold = MoneyField(_("12-month spend threshold"), default=0)
    discount_bp = models.PositiveIntegerField(
        _("member discount (basis points off)"), default=0, help_text=_("500 = 5 per cent off")
    )
    points_multiplier_pct = models.PositiveIntegerField(
        _("points multiplier (%)"), default=100, help_text=_("150 = 1.5× points")
    )
    birthday_gift = models.CharField(_("birthday gift"), max_length=100, blank=True)
    free_delivery = models.BooleanField(_("free delivery"), default=False)

    class Meta:
        verbose_name = _("member tier")
        verbose_name_plural = _("member tiers")
        ordering = ["brand", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="member_tier_code_unique"),
            models.UniqueConstraint(fields=["brand", "rank"], name="member_tier_rank_unique"),
            models.CheckConstraint(
                condition=Q(threshold__gte=0), name="member_tier_threshold_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_bp__lte=10000), name="member_tier_discount_at_most_100pct"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another member")
    ANONYMISED = "anonymised", _("Anonymised")


class Channel(models.TextChoices):
    POS = "pos", _("In store (POS)")
    ONLINE = "online", _("Online / mini-program")
    MARKETPLACE = "marketplace", _("Marketplace")
    IMPORT = "import", _("Import")


class Member(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="members")
    code = models.CharField(_("member code"), max_length=20, unique=True)
    phone_cipher = models.TextField(_("phone (encrypted)"), blank=True)
    # NULL = no phone (anonymised): excluded from the unique index, unlike "".
    phone_index = models.CharField(  # noqa: DJ001
        _("phone blind index"), max_length=64, null=True, blank=True
    )
    phone_masked = models.CharField(_("phone (masked)"), max_length=16, blank=True)
    name_cipher = models.TextField(_("name (encrypted)"), blank=True)
    name_masked = models.CharField(_("name (masked)"), max_length=50, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_members"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="members")
    tier_review_on = models.DateField(_("tier review date"))
    points_balance = models.BigIntegerField(_("points balance"), default=0)
    registered_channel = models.CharField(
        _("registered via"), max_length=12, choices=Channel.choices
    )
    registered_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))
    last_activity_at = models.DateTimeField(_("last activity"))
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_balance__gte=0), name="member_points_not_negative"
            ),
            models.UniqueConstraint(
                fields=["brand", "phone_index"],
                condition=Q(status="active", phone_index__isnull=False),
                name="member_phone_unique_per_brand",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "phone_index"], name="member_brand_phone_idx"),
            models.Index(fields=["status", "last_activity_at"], name="member_activity_idx"),
            models.Index(fields=["status", "tier_review_on"], name="member_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.phone_masked}"

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing messages")
    ANALYTICS = "analytics", _("Analytics and personalisation")
    THIRD_PARTY = "third_party", _("Sharing with third parties")


class Consent(models.Model):
    """One grant or withdrawal; the latest row per purpose is the member's current choice,
    earlier rows are the proof of what was agreed when."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    policy_version = models.CharField(_("policy version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["member", "purpose", "at"], name="consent_member_idx")]


class PointsKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    REVERSE = "reverse", _("Reversed (return)")
    ADJUST = "adjust", _("Adjustment")
    MERGE_IN = "merge_in", _("Moved in (merge)")
    MERGE_OUT = "merge_out", _("Moved out (merge)")


class PointsEntry(models.Model):
    """One row of the points ledger. Positive rows are lots (``remaining`` left, expiring on
    ``expires_on``); negative rows consume lots first-in-first-out, so expiry is exact."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="points_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=PointsKind.choices)
    points = models.BigIntegerField(_("points"))
    balance_after = models.BigIntegerField(_("balance after"))
    remaining = models.BigIntegerField(_("remaining in lot"), default=0)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    net_amount = MoneyField(_("net amount"), null=True, blank=True)
    source_entry = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="points_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0, remaining__gte=0, remaining__lte=F("points"))
                | Q(points__lt=0, remaining=0),
                name="points_entry_remaining_within_lot",
            ),
            models.UniqueConstraint(
                fields=["brand", "kind", "reference"],
                condition=~Q(reference="") & ~Q(kind__in=["expire", "merge_in", "merge_out"]),
                name="points_entry_reference_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "created_at"], name="points_member_idx"),
            models.Index(fields=["expires_on", "remaining"], name="points_lot_expiry_idx"),
            # Idempotency look-ups (kind + reference): the partial unique index above cannot
            # serve them on SQLite, whose planner does not infer its condition from the query.
            models.Index(fields=["reference", "kind"], name="points_reference_idx"),
        ]


class StoredValueKind(models.TextChoices):
    MEMBER_WALLET = "wallet", _("Member stored value")
    GIFT_CARD = "gift_card", _("Gift card")


class StoredValueAccount(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="stored_value"
    )
    number = models.CharField(_("card number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=StoredValueKind.choices)
    balance = MoneyField(_("balance"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("stored-value account")
        verbose_name_plural = _("stored-value accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="stored_value_balance_not_negative"
            )
        ]


class StoredValueEntryKind(models.TextChoices):
    TOP_UP = "top_up", _("Top-up")
    SPEND = "spend", _("Spend")
    REFUND = "refund", _("Refund")


class StoredValueEntry(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        StoredValueAccount, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=StoredValueEntryKind.choices)
    amount = MoneyField(_("amount"))
    balance_after = MoneyField(_("balance after"))
    reference = models.CharField(_("reference"), max_length=100)
    original_reference = models.CharField(_("original reference"), max_length=100, blank=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("stored-value entry")
        verbose_name_plural = _("stored-value entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="stored_value_entry_balance_not_negative"
            ),
            models.UniqueConstraint(
                fields=["brand", "kind", "reference"], name="stored_value_reference_unique"
            ),
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="sv_account_idx")]


class PointsMultiplier(models.Model):
    """An optional earn multiplier for a category or a SKU (ids from the catalog; plain
    integers so members does not depend on catalog migrations)."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    category_id = models.BigIntegerField(_("category id"), null=True, blank=True)
    sku_id = models.BigIntegerField(_("SKU id"), null=True, blank=True)
    multiplier_pct = models.PositiveIntegerField(_("multiplier (%)"), default=100)

    class Meta:
        verbose_name = _("points multiplier")
        verbose_name_plural = _("points multipliers")
        constraints = [
            models.CheckConstraint(
                condition=Q(category_id__isnull=False) | Q(sku_id__isnull=False),
                name="points_multiplier_has_target",
            )
        ]


class EarnRule(models.Model):
    """Points per whole CNY of net spend, per brand (default 1 when no row exists)."""

    brand = models.OneToOneField(Brand, on_delete=models.PROTECT, related_name="+")
    points_per_yuan = models.PositiveIntegerField(_("points per CNY"), default=1)

    class Meta:
        verbose_name = _("earn rule")
        verbose_name_plural = _("earn rules")
