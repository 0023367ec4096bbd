"""Read queries for the organisation, audit log and outbox, always within a scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from omniretail.accounts.scope import Scope

from .models import AuditLog, Location, OutboxEvent, Region, Store


def stores(scope: Scope) -> QuerySet[Store]:
    return Store.objects.filter(pk__in=scope.store_ids).select_related("region", "brand")


def store(scope: Scope, store_id: int) -> Store | None:
    return stores(scope).filter(pk=store_id).first()


def locations(scope: Scope) -> QuerySet[Location]:
    return Location.objects.filter(pk__in=scope.location_ids).select_related("store", "region")


def regions(scope: Scope) -> QuerySet[Region]:
    return Region.objects.filter(pk__in=scope.region_ids)


def audit_entries(
    scope: Scope,
    *,
    action: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditLog]:
    qs = AuditLog.objects.all()
    if not scope.brand_wide:
        # Below brand level only the scope's own stores' entries are visible.
        qs = qs.filter(store_id__in=scope.store_ids)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label=actor)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


def outbox(
    scope: Scope, status: str | None = None, topic: str | None = None
) -> QuerySet[OutboxEvent]:
    qs = OutboxEvent.objects.all()
    if not scope.brand_wide:
        qs = qs.filter(store_id__in=scope.store_ids)
    if status:
        qs = qs.filter(status=status)
    if topic:
        qs = qs.filter(topic__startswith=topic)
    return qs
