"""Changes to the organisation and to webhook subscriptions."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.accounts.scope import Scope

from . import audit
from .errors import NotFound
from .models import Store, WebhookEndpoint

STORE_EDITABLE = {
    "name",
    "name_en",
    "address",
    "phone",
    "opens_at",
    "closes_at",
    "fulfils_online",
    "is_active",
    "latitude",
    "longitude",
}


@transaction.atomic
def update_store(scope: Scope, store_id: int, changes: dict[str, Any]) -> Store:
    store = Store.objects.select_for_update().filter(pk=store_id, pk__in=scope.store_ids).first()
    if store is None:
        raise NotFound(_("store"))
    old = {k: getattr(store, k) for k in changes}
    for key, value in changes.items():
        if key not in STORE_EDITABLE:
            raise ValueError(key)
        setattr(store, key, value)
    store.full_clean()
    store.save(update_fields=list(changes))
    audit.record(
        "org.store_updated",
        store,
        changes=audit.diff(old, changes),
        store_id=store.pk,
        brand_id=store.brand_id,
    )
    return store


@transaction.atomic
def create_webhook(*, brand_id: int, name: str, url: str, topics: list[str]) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(
        brand_id=brand_id, name=name, url=url, topics=topics, secret=secrets.token_hex(24)
    )
    audit.record(
        "events.webhook_created",
        endpoint,
        changes={"url": url, "topics": topics},
        brand_id=brand_id,
    )
    return endpoint


@transaction.atomic
def deactivate_webhook(scope: Scope, endpoint_id: int) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update()
        .filter(pk=endpoint_id, brand_id__in=scope.brand_ids)
        .first()
    )
    if endpoint is None:
        raise NotFound(_("webhook"))
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])
    audit.record("events.webhook_deactivated", endpoint, brand_id=endpoint.brand_id)
    return endpoint
