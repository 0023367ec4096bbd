from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.models import Brand, Location, Region, Store

from .permissions import Role


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    is_service_account = models.BooleanField(_("service account"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A role held within a scope: the brand, one region, one store, or one location."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=30, choices=[(r.value, r.value) for r in Role])
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "brand", "region", "store", "location"],
                name="role_assignment_unique",
            ),
            # At most one narrowing level below the brand.
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=True, store__isnull=True)
                    | Q(region__isnull=False, store__isnull=True, location__isnull=True)
                    | Q(region__isnull=True, store__isnull=False, location__isnull=True)
                ),
                name="role_assignment_one_scope_level",
            ),
        ]

    def __str__(self) -> str:
        where = self.store or self.location or self.region or self.brand
        return f"{self.user} · {self.role} @ {where}"


class TokenKind(models.TextChoices):
    USER = "user", _("User token")
    DEVICE = "device", _("Device token")


class ApiToken(models.Model):
    """A revocable bearer token; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=10, choices=TokenKind.choices, default=TokenKind.USER
    )
    device_type = models.CharField(_("device type"), max_length=30, blank=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="user") | Q(store__isnull=False), name="device_token_has_store"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
