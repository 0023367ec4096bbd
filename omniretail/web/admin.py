"""Django admin for the HQ administrator: the organisation, users and their roles.

The admin is a write path outside the services, so every change it saves leaves an audit row
(the same trail the API's changes leave). The audit log, outbox and tokens are read-only here:
their rows are evidence, and tokens are issued and revoked through the accounts services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.models import ApiToken, RoleAssignment, User
from omniretail.core import audit
from omniretail.core.models import (
    AuditLog,
    Brand,
    Location,
    OutboxEvent,
    Region,
    Store,
    WebhookEndpoint,
)

admin.site.site_header = _("omniretail administration")
admin.site.site_title = _("omniretail administration")
admin.site.index_title = _("Headquarters")


def _store_id(obj: models.Model) -> int | None:
    if isinstance(obj, Store):
        return obj.pk
    return getattr(obj, "store_id", None)


def _brand_id(obj: models.Model) -> int | None:
    if isinstance(obj, Brand):
        return obj.pk
    return getattr(obj, "brand_id", None)


class AuditedAdmin(admin.ModelAdmin):
    """Writes ``admin.<model>_created|updated|deleted`` audit rows in the save's transaction."""

    secret_fields: frozenset[str] = frozenset()

    def _record(self, verb: str, obj: models.Model, changes: dict[str, Any]) -> None:
        audit.record(
            f"admin.{obj._meta.model_name}_{verb}",
            obj,
            changes=changes,
            store_id=_store_id(obj),
            brand_id=_brand_id(obj),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        old: dict[str, Any] = {}
        if change and obj.pk is not None:
            fresh = type(obj).objects.filter(pk=obj.pk).values(*form.changed_data).first() or {}
            old = dict(fresh)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            new = {}
            for name in form.changed_data:
                value = form.cleaned_data.get(name)
                if name in self.secret_fields:
                    value = "***"
                    old[name] = "***" if name in old else None
                new[name] = value if not isinstance(value, models.Model) else value.pk
            self._record("updated" if change else "created", obj, audit.diff(old, new))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._record("deleted", obj, {})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # One audit row per object, like deleting them one by one.
        with transaction.atomic():
            for obj in queryset:
                self._record("deleted", obj, {})
            super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Brand)
class BrandAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "gs1_prefix")
    search_fields = ("code", "name", "name_en")


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "brand")
    list_filter = ("brand",)
    search_fields = ("code", "name", "name_en")


class LocationInline(admin.TabularInline):
    model = Location
    fields = ("code", "name", "kind", "fulfils_online", "is_active")
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Store)
class StoreAdmin(AuditedAdmin):
    list_display = ("code", "name", "region", "store_type", "city", "is_active")
    list_filter = ("region", "store_type", "is_active", "fulfils_online")
    search_fields = ("code", "name", "name_en", "city", "address")
    list_select_related = ("region",)
    inlines = [LocationInline]


@admin.register(Location)
class LocationAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "store", "region", "is_active")
    list_filter = ("kind", "region", "is_active")
    search_fields = ("code", "name", "city")
    list_select_related = ("store", "region")
    raw_id_fields = ("store",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedAdmin):
    list_display = ("name", "url", "brand", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    secret_fields = frozenset({"secret"})


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fields = ("role", "brand", "region", "store", "location")
    raw_id_fields = ("store", "location")
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "display_name", "email")
    secret_fields = frozenset({"password", "password1", "password2"})
    inlines = [RoleAssignmentInline]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("omniretail"), {"fields": ("display_name", "language", "is_service_account")}),
    )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Role changes widen or narrow what a user sees: each one is an audit row."""
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                self._record("deleted", obj, {"user": obj.user_id, "role": obj.role})
                obj.delete()
            for obj in instances:
                created = obj.pk is None
                obj.save()
                self._record(
                    "created" if created else "updated",
                    obj,
                    {"user": obj.user_id, "role": obj.role},
                )
            formset.save_m2m()


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "brand", "region", "store", "location", "created_at")
    list_filter = ("role", "brand", "region")
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user", "store", "location")
    list_select_related = ("user", "brand", "region", "store", "location")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "kind", "key_prefix", "store", "created_at", "revoked_at")
    list_filter = ("kind",)
    search_fields = ("name", "user__username", "key_prefix")
    exclude = ("key_hash",)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_repr", "store_id")
    list_filter = ("action", "object_type", "is_pii_read")
    search_fields = ("actor_label", "action", "object_repr", "object_id")
    date_hierarchy = "at"
    ordering = ("-at", "-id")


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "topic", "status", "attempts", "created_at", "dispatched_at")
    list_filter = ("status",)
    search_fields = ("topic", "aggregate_id")
    ordering = ("-created_at",)
